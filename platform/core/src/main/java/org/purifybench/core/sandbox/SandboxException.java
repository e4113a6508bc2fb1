package org.purifybench.core.sandbox;

import java.nio.file.Path;
import org.purifybench.core.UserException;

/**
 * A sandboxed job that did not produce a valid model: its status, the plug-in and the jar it came
 * from, what happened (exit code, the plug-in's error, the tail of the child's output) and a fix.
 */
public final class SandboxException extends UserException {
    private final SandboxStatus status;
    private final transient Path jar;
    private final String pluginId;
    private final String detail;

    public SandboxException(SandboxStatus status, String pluginId, Path jar, String detail, String fix) {
        super("defense '" + pluginId + "' from " + jar + " " + describe(status) + ": " + detail, fix);
        this.status = status;
        this.jar = jar;
        this.pluginId = pluginId;
        this.detail = detail;
    }

    private static String describe(SandboxStatus status) {
        return switch (status) {
            case OK -> "succeeded";
            case FAILED -> "failed in the sandbox";
            case DESCRIPTOR_MISMATCH -> "was refused in the sandbox: its descriptor() disagrees with its plugin.properties";
            case TIMEOUT -> "timed out in the sandbox";
            case MEMORY -> "was killed in the sandbox for using too much memory";
            case INVALID_OUTPUT -> "returned invalid output from the sandbox";
            case UNAVAILABLE -> "was not run: the sandbox is unavailable";
        };
    }

    public SandboxStatus status() {
        return status;
    }

    public Path jar() {
        return jar;
    }

    public String pluginId() {
        return pluginId;
    }

    /** What happened, without the plug-in and jar names. */
    public String detail() {
        return detail;
    }
}
