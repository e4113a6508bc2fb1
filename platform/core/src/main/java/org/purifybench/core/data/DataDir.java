package org.purifybench.core.data;

import java.nio.file.Path;

/**
 * Where datasets live when no explicit path is configured: one folder per dataset id below it.
 * Resolved per call (not cached) so the CLI's {@code --data-dir} and tests can set the property late.
 */
public final class DataDir {
    public static final String PROPERTY = "purifybench.data.dir";
    public static final String ENV = "PURIFYBENCH_DATA_DIR";

    private DataDir() {
    }

    /** System property {@value #PROPERTY}, else env {@value #ENV}, else {@code ~/.purifybench/data}. */
    public static Path resolve() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".purifybench", "data");
    }

    /** The folder of dataset {@code id} below {@code dataDir}. */
    public static Path of(Path dataDir, String id) {
        return dataDir.resolve(id);
    }
}
