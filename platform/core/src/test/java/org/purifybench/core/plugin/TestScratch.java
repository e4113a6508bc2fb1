package org.purifybench.core.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A scratch folder inside the module's build folder for fixtures that live as long as the test
 * JVM: deleteOnExit does not run when Surefire halts a fork that is slow to exit, and folders left
 * in /tmp pile up run after run, while {@code target/} goes with {@code mvn clean}.
 */
public final class TestScratch {
    private TestScratch() {
    }

    public static Path dir() {
        try {
            return Files.createDirectories(Path.of("target", "test-scratch").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
