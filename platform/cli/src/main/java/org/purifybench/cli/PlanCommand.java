package org.purifybench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.purifybench.core.run.MatrixPlan;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "List a run's units and its tasks in their stable order: stage 1 trains each model (a seed's clean"
        + " model, a cell's backdoored model), stage 2 runs each defense of each cell with all its evaluators; what is done already"
        + " (cached models, journaled units). Writes the run's matrix.json so run-unit --run RUN_ID finds it.")
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Mixin
    RunTarget target;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--json", description = "Print the plan as JSON (run id, units, tasks of both stages).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        RunSupport.checkWritable(root.workDir);
        MatrixSpec spec = target.spec(root.workDir);
        MatrixRunner runner = RunSupport.runner(plugins, root.workDir, false);
        var dataset = MatrixRunner.dataset(spec);
        RunTasks tasks = runner.tasks(spec, dataset);
        MatrixPlan plan = tasks.plan();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runId", tasks.runId());
            out.put("runDir", MatrixRunner.runDir(root.workDir, spec).toAbsolutePath().toString());
            out.put("units", plan.units());
            out.put("train", tasks.train());
            out.put("evaluate", tasks.evaluate());
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return 0;
        }
        System.out.println("run " + tasks.runId() + " in " + MatrixRunner.runDir(root.workDir, spec));
        System.out.println();
        System.out.println("units (" + plan.units().size() + "): index, state, cell, defense, evaluator, other models it needs");
        plan.listing().forEach(l -> System.out.println("  " + l));
        System.out.println();
        System.out.println("stage train (" + tasks.train().size() + " tasks, one model each):");
        tasks.train().forEach(t -> System.out.println("  " + t.index() + "\t" + (t.cached() ? "cached" : "missing") + "\t" + t.describe()));
        System.out.println("stage evaluate (" + tasks.evaluate().size() + " tasks, one defense of one cell each, needs stage train):");
        tasks.evaluate().forEach(t -> System.out.println("  " + t.index() + "\t" + (t.done() ? "done" : "missing") + "\t" + t.describe()
                + "\tunits " + t.units()));
        System.out.println();
        System.out.println("run one: purifybench run-unit --run " + tasks.runId() + " --stage train|evaluate --index N"
                + (root.workDir.toString().equals("work") ? "" : " --work-dir " + root.workDir));
        return 0;
    }
}
