package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.run.MatrixSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", description = "Run the quick profile end to end on Fashion-MNIST and print the paper-style table.")
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() {
        return RunSupport.runAndReport(MatrixSpec.profile("quick"), root.workDir, options.fresh, options.quiet, System.out);
    }
}
