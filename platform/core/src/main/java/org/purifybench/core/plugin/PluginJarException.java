package org.purifybench.core.plugin;

import java.nio.file.Path;
import org.purifybench.core.UserException;

/** A plug-in jar that was refused: names the jar, why, and what its author can do about it. */
public final class PluginJarException extends UserException {
    private final transient Path jar;
    private final String reason;

    public PluginJarException(Path jar, String reason, String fix) {
        this(jar, reason, fix, null);
    }

    public PluginJarException(Path jar, String reason, String fix, Throwable cause) {
        super("plug-in jar " + jar + " refused: " + reason, fix, cause);
        this.jar = jar;
        this.reason = reason;
    }

    /** The jar, as it was given (relative paths stay relative). */
    public Path jar() {
        return jar;
    }

    /** Why, without the jar's name. */
    public String reason() {
        return reason;
    }
}
