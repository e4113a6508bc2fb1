package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.plugin.PluginRegistry;
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
        // the quick profile uses built-in plug-ins only: a jar in submissions/ cannot break the demo
        return RunSupport.runAndReport(MatrixSpec.profile("quick"), PluginRegistry.fromClasspath(), root.workDir,
                options, System.out);
    }
}
