package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.run.MatrixSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", description = "Run the quick profile end to end on Fashion-MNIST and print the paper-style table.")
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Option(names = "--fresh", description = "Redo all evaluations (cached models are still reused).")
    boolean fresh;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() {
        return RunSupport.runAndReport(MatrixSpec.profile("quick"), root.workDir, fresh, quiet, System.out);
    }
}
