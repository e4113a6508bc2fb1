package org.purifybench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.DatasetShapes;
import org.purifybench.core.model.Engines;
import org.purifybench.core.run.CostEstimate;
import org.purifybench.core.run.MatrixPlan;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.Prerequisites;
import org.purifybench.core.run.RunTasks;
import org.purifybench.core.weights.WeightsStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "List a run's units and its tasks in their stable order: stage 1 trains each model (a seed's clean"
        + " model, a cell's backdoored model), stage 2 runs each defense of each cell with all its evaluators; what is done already"
        + " (cached models, journaled units); and an estimate of what is left, in image passes and hours (a short throughput"
        + " measurement of the matrix's model on its engine, docs/running.md). Writes the run's matrix.json so run-unit --run"
        + " RUN_ID finds it.")
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Mixin
    RunTarget target;

    @Mixin
    PluginOptions plugins;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--json", description = "Print the plan as JSON (run id, units, tasks of both stages, the estimate).")
    boolean json;

    @Option(names = "--no-measure", description = "Do not measure throughput: the estimate gives image passes without hours.")
    boolean noMeasure;

    @Option(names = "--throughput", paramLabel = "TRAIN_IMG_S[,INFER_IMG_S]",
            description = "Images per second measured elsewhere (e.g. on a GPU) instead of a measurement here; inference defaults to"
                    + " 3x the training figure (a forward pass is about a third of forward + backward).")
    String throughput;

    /** Inference is taken as this many times faster than training when --throughput gives one figure. */
    static final double INFER_OVER_TRAIN = 3;

    @Override
    public Integer call() throws Exception {
        RunSupport.checkWritable(root.workDir);
        MatrixSpec spec = engine.apply(target.spec(root.workDir));
        MatrixRunner runner = RunSupport.runner(plugins, root.workDir, false);
        Dataset dataset = null;
        DatasetShapes.Entry catalog = null;
        List<String> blockers = new ArrayList<>();
        try {
            dataset = MatrixRunner.dataset(spec);
        } catch (UserException e) {
            // No data here (a paper profile before `data add`): plan on the catalog's shape and sizes.
            UserException absent = e;
            catalog = DatasetShapes.find(spec.dataset().id()).orElseThrow(() -> absent);
            blockers.add(e.oneLine());
        }
        WeightsStore store = WeightsStore.standard();
        if (dataset != null) {
            Prerequisites.problems(spec, dataset, store).forEach(p -> blockers.add(p.oneLine()));
        } else {
            UserException weights = Prerequisites.weightsProblem(spec, store);
            if (weights != null) {
                blockers.add(weights.oneLine());
            }
        }
        RunTasks tasks = dataset != null ? runner.tasks(spec, dataset) : runner.tasksWithoutData(spec);
        MatrixPlan plan = tasks.plan();
        CostEstimate.Sizes sizes = dataset != null
                ? CostEstimate.Sizes.of(spec.splitConfig(), dataset.train().size(), dataset.test().size(), spec.dataset().testLimit(), false)
                : CostEstimate.Sizes.of(spec.splitConfig(), catalog.train(), catalog.test(), spec.dataset().testLimit(), true);
        CostEstimate estimate = runner.estimate(spec, tasks, sizes);
        String notMeasured = null;
        CostEstimate.Rates rates = null;
        if (throughput != null) {
            rates = given(spec);
        } else if (noMeasure) {
            notMeasured = "--no-measure";
        } else {
            MatrixSpec.EngineSpec e = spec.engineOrDefault();
            System.err.println("plan: measuring " + spec.model().arch() + " on " + e.id() + " " + e.device()
                    + (dataset == null ? " on random images of " + spec.dataset().id() + "'s shape" : "") + " (--no-measure skips, --throughput gives figures)");
            try {
                rates = CostEstimate.measure(spec, dataset != null ? dataset.shape() : catalog.shape(), Engines.open(e.id(), e.device()));
            } catch (RuntimeException | LinkageError ex) {
                notMeasured = "measurement failed: " + ex.getMessage();
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runId", tasks.runId());
            out.put("runDir", MatrixRunner.runDir(root.workDir, spec).toAbsolutePath().toString());
            out.put("units", plan.units());
            out.put("train", tasks.train());
            out.put("evaluate", tasks.evaluate());
            Map<String, Object> est = new LinkedHashMap<>(estimate.toJson(rates));
            est.put("dataset", dataset != null ? "present" : "not present: sizes from the catalog");
            est.put("notMeasured", notMeasured);
            out.put("estimate", est);
            out.put("runBlockedBy", blockers);
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
        if (dataset == null) {
            System.out.println("dataset " + spec.dataset().id() + " not present: sizes from the catalog (" + catalog.train() + " training, "
                    + catalog.test() + " test images, " + catalog.shape() + ", " + catalog.classes() + " classes); whether models are"
                    + " cached cannot be told without the data (all counted as missing)");
        }
        estimate.table(rates).forEach(System.out::println);
        if (notMeasured != null) {
            System.out.println("no hours: throughput not measured (" + notMeasured + "); --throughput TRAIN_IMG_S[,INFER_IMG_S] gives figures");
        }
        if (!blockers.isEmpty()) {
            System.out.println();
            System.out.println("a run would refuse to start until these are fixed (this plan does not need them):");
            blockers.forEach(b -> System.out.println("  - " + b));
        }
        System.out.println();
        System.out.println("run one: purifybench run-unit --run " + tasks.runId() + " --stage train|evaluate --index N"
                + (root.workDir.toString().equals("work") ? "" : " --work-dir " + root.workDir));
        return 0;
    }

    /** The figures of --throughput, on the matrix's engine and device as the user names them. */
    private CostEstimate.Rates given(MatrixSpec spec) {
        String[] f = throughput.split(",");
        try {
            if (f.length > 2) {
                throw new NumberFormatException("more than two figures");
            }
            double train = Double.parseDouble(f[0].trim());
            double infer = f.length == 2 ? Double.parseDouble(f[1].trim()) : INFER_OVER_TRAIN * train;
            MatrixSpec.EngineSpec e = spec.engineOrDefault();
            return new CostEstimate.Rates(train, infer, spec.training().batchSize(), e.id(), e.device(),
                    "given with --throughput" + (f.length == 2 ? "" : ", inference taken as 3x training"));
        } catch (IllegalArgumentException e) {
            throw new UserException("bad --throughput '" + throughput + "': " + e.getMessage(),
                    "give TRAIN_IMG_S[,INFER_IMG_S], two positive numbers, e.g. --throughput 2500,9000");
        }
    }
}
