package org.purifybench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.concurrent.Callable;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunManifest;
import org.purifybench.core.run.RunStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Where a run stands, local or on a cluster: per stage, the tasks done, running, failed (with"
        + " the failed units' reasons), died (its process, or its Slurm job per squeue, is gone) or missing. Exit code 0 when every"
        + " unit is done, 3 otherwise.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Parameters(paramLabel = "RUN_ID", description = "The run's id (its folder under WORK/runs).")
    String run;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        MatrixSpec spec = RunManifest.load(root.workDir, run);
        MatrixRunner runner = RunSupport.runner(plugins, root.workDir, false);
        // squeue answers only for a Slurm run; elsewhere it is missing or says nothing, and nothing changes
        RunStatus status = runner.status(spec, MatrixRunner.dataset(spec), SlurmQueue::alive);
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
        } else {
            status.lines().forEach(System.out::println);
        }
        return status.complete() ? 0 : 3;
    }
}
