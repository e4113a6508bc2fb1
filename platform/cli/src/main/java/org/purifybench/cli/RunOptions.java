package org.purifybench.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a matrix (a picocli mixin). */
final class RunOptions {
    @Option(names = "--fresh", description = "Redo all evaluations (cached models are still reused).")
    boolean fresh;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Option(names = "--parallel-cells", paramLabel = "N", defaultValue = "1",
            description = "Run N cells (seed x poison rate x attack) at a time: the same numbers as one at a time,"
                    + " sooner, with more memory (measurements in docs/performance.md; default: ${DEFAULT-VALUE}).")
    int parallelCells = 1;

    @Mixin
    EngineOptions engine = new EngineOptions();
}
