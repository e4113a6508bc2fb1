package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run-unit", description = "Run one task of a run in a work folder other processes may share (a cluster's array task):"
        + " --stage train trains one model, --stage evaluate runs one defense of one cell (its models must be trained: it never"
        + " trains them). Finished work is skipped; merge assembles the results. `purifybench plan` lists the tasks.")
final class RunUnitCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Mixin
    RunTarget target;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--stage", required = true, paramLabel = "train|evaluate", description = "The task's stage.")
    String stage;

    @Option(names = "--index", required = true, paramLabel = "N",
            description = "The task's number in its stage (Slurm: $SLURM_ARRAY_TASK_ID; Kubernetes: $JOB_COMPLETION_INDEX).")
    int index;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() {
        RunSupport.checkWritable(root.workDir);
        RunTasks.Stage s = RunTasks.Stage.of(stage);
        MatrixSpec spec = target.spec(root.workDir);
        MatrixRunner runner = RunSupport.runner(plugins, root.workDir, !quiet);
        System.out.println("purifybench: run " + MatrixRunner.runId(spec) + ", stage " + s.label() + ", task " + index);
        MatrixRunner.TaskOutcome done = runner.runTask(spec, MatrixRunner.dataset(spec), s, index);
        if (!done.failures().isEmpty()) {
            throw new UserException(done.failures().size() + " unit(s) of task " + s.label() + " " + index + " (" + done.task() + ") failed, first: "
                    + done.failures().get(0).reason(), "purifybench status " + MatrixRunner.runId(spec) + " lists them; fix and run the task again");
        }
        System.out.println("purifybench: task " + s.label() + " " + index + " (" + done.task() + ") done, " + done.unitsComputed() + " unit(s) computed");
        return 0;
    }
}
