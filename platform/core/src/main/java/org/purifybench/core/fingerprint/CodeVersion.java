package org.purifybench.core.fingerprint;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version and git commit, recorded in every cache key and results document. */
public final class CodeVersion {
    private static final String VALUE = read();

    private CodeVersion() {
    }

    public static String get() {
        return VALUE;
    }

    private static String read() {
        Properties p = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/purifybench-git.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // fall through to "unknown"
        }
        String version = p.getProperty("git.build.version", "unknown");
        String commit = p.getProperty("git.commit.id.abbrev", "nogit");
        boolean dirty = Boolean.parseBoolean(p.getProperty("git.dirty", "false"));
        return version + "+" + commit + (dirty ? "-dirty" : "");
    }
}
