package org.purifybench.cli;

import org.purifybench.core.run.MatrixSpec;
import picocli.CommandLine.Option;

/** --engine and --device (a picocli mixin): where models compute. Part of the run's configuration, so of its run id. */
final class EngineOptions {
    @Option(names = "--engine", paramLabel = "nd4j|pytorch",
            description = "Compute engine: nd4j (ND4J SameDiff, the default) or pytorch (libtorch 2.5.1 through DJL: faster,"
                    + " less memory, and GPUs; docs/engines.md). Overrides the matrix's engine.")
    String engine;

    @Option(names = "--device", paramLabel = "cpu|cuda[:N]",
            description = "Device: cpu (the default) or cuda[:N] (pytorch engine, a build with -Pgpu).")
    String device;

    /** {@code spec} on the chosen engine and device (unchanged when neither option is given). */
    MatrixSpec apply(MatrixSpec spec) {
        return engine == null && device == null ? spec : spec.withEngine(engine, device);
    }
}
