package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "merge", description = "Assemble the results of a run made by tasks (run-unit, a cluster's job arrays) from its journal"
        + " shards: writes results.json and the report, as a single-process run would. Fails, listing them, while units are missing.")
final class MergeCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Parameters(paramLabel = "RUN_ID", description = "The run's id (its folder under WORK/runs).")
    String run;

    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() {
        MatrixSpec spec = RunManifest.load(root.workDir, run);
        MatrixRunner runner = RunSupport.runner(plugins, root.workDir, false);
        RunSupport.report(runner.merge(spec, MatrixRunner.dataset(spec)), System.out, true);
        return 0;
    }
}
