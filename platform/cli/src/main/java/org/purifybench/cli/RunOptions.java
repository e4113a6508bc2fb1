package org.purifybench.cli;

import picocli.CommandLine.Option;

/** Options shared by the commands that run a matrix (a picocli mixin). */
final class RunOptions {
    @Option(names = "--fresh", description = "Redo all evaluations (cached models are still reused).")
    boolean fresh;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;
}
