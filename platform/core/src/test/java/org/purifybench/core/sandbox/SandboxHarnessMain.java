package org.purifybench.core.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;

/**
 * A harness process for {@link SandboxOrphanTest}: runs the fixtures' endless-loop defense in the
 * sandbox and prints the sandbox's log, so the test can kill this JVM while the job runs.
 * Arguments: the fixtures jar, the jobs folder.
 */
public final class SandboxHarnessMain {
    private SandboxHarnessMain() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        PluginRegistry registry = PluginRegistry.load(ClassLoader.getPlatformClassLoader(), List.of(jar)).requireNoRefused();
        // the id, not SandboxFixtures.id: loading that class makes a marker folder this JVM, killed by the test, could not remove
        Defense spin = registry.defense("spin");
        Dataset data = SyntheticImages.generate(SandboxTest.SPEC.shape(), SandboxTest.SPEC.numClasses(), 120, 40, 3);
        new Sandbox(Path.of(args[1]), SandboxTest.LIMITS.withWall(Duration.ofSeconds(600)), List.of(), line -> {
            System.out.println(line);
            System.out.flush();
        }).purify(jar, spin.descriptor(), SdModel.create(SandboxTest.SPEC, 7), data.train().range(0, 80), data.train().range(80, 120),
                () -> null, 5, new Params(Map.of()));
    }
}
