package org.purifybench.cli;

import picocli.CommandLine.Option;

/** Options shared by the commands that run a matrix (a picocli mixin). */
final class RunOptions {
    @Option(names = "--fresh", description = "Redo all evaluations (cached models are still reused).")
    boolean fresh;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Option(names = "--parallel-cells", paramLabel = "N", defaultValue = "1",
            description = "Run N cells (seed x poison rate x attack) at a time; the launcher then gives ND4J cores/N threads each."
                    + " Same numbers as one at a time for the same thread count, more memory (default: ${DEFAULT-VALUE}).")
    int parallelCells = 1;
}
