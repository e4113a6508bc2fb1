package org.purifybench.core.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;

/**
 * Where a run stands, per stage and task: done (model cached, units journaled), running, failed
 * (with the reasons its record or the results hold) or missing. The same for a run made by one
 * process and one made by cluster tasks: both journal the units and cache the models.
 *
 * @param units     the matrix's units
 * @param unitsDone the units the journal and its shards hold
 * @param tasks     every task, train stage first
 */
public record RunStatus(String runId, int units, int unitsDone, List<Task> tasks) {

    /** One task's state: done, running, failed, died (its process is gone from this machine) or missing. */
    public record Task(String stage, int index, String task, String state, String detail, List<FailedUnit> failures) {
    }

    static RunStatus of(Path runDir, RunTasks tasks, Function<String, Optional<Boolean>> jobAlive) {
        MatrixPlan plan = tasks.plan();
        Map<String, TaskRecord> records = new LinkedHashMap<>();
        TaskRecord.readAll(runDir).forEach(r -> records.put(r.stage() + "-" + r.index(), r));
        List<FailedUnit> localFailures = localFailures(runDir);
        List<Task> list = new ArrayList<>();
        for (RunTasks.TrainTask t : tasks.train()) {
            list.add(task(RunTasks.Stage.TRAIN, t.index(), t.describe(), t.cached(), records, List.of(), jobAlive));
        }
        for (RunTasks.EvaluateTask t : tasks.evaluate()) {
            List<FailedUnit> local = localFailures.stream().filter(f -> f.cellId().equals(t.cellId()) && f.defense().equals(t.defenseName())).toList();
            list.add(task(RunTasks.Stage.EVALUATE, t.index(), t.describe(), t.done(), records, local, jobAlive));
        }
        int done = (int) plan.units().stream().filter(CellPlan.Unit::done).count();
        return new RunStatus(tasks.runId(), plan.units().size(), done, list);
    }

    private static Task task(RunTasks.Stage stage, int index, String what, boolean done, Map<String, TaskRecord> records,
                             List<FailedUnit> localFailures, Function<String, Optional<Boolean>> jobAlive) {
        if (done) {
            return new Task(stage.label(), index, what, TaskRecord.DONE, null, List.of());
        }
        TaskRecord r = records.get(stage.label() + "-" + index);
        if (r == null) {
            return localFailures.isEmpty() ? new Task(stage.label(), index, what, "missing", null, List.of())
                    : new Task(stage.label(), index, what, TaskRecord.FAILED, "in the last local run", localFailures);
        }
        if (TaskRecord.RUNNING.equals(r.state())) {
            boolean here = r.host().equals(HardwareInfo.hostName());
            if (here && ProcessHandle.of(r.pid()).map(p -> !p.isAlive()).orElse(true)) {
                return new Task(stage.label(), index, what, "died", "process " + r.pid() + " on " + r.host() + " started " + r.started()
                        + " is gone (killed?): run the task again", List.of());
            }
            if (r.schedulerJob() != null && jobAlive.apply(r.schedulerJob()).map(alive -> !alive).orElse(false)) {
                return new Task(stage.label(), index, what, "died", "its Slurm job " + r.schedulerJob() + " (on " + r.host() + ", started "
                        + r.started() + ") is no longer queued or running (time limit, cancelled, node failure?): submit again", List.of());
            }
            return new Task(stage.label(), index, what, TaskRecord.RUNNING, "on " + r.host() + " (pid " + r.pid() + ") since " + r.started(), List.of());
        }
        // a record that says done while units are missing: a later change of the matrix's evaluators, or a failure inside
        return new Task(stage.label(), index, what, TaskRecord.FAILED, r.message() == null ? "ended " + r.ended() + " with work missing" : r.message(),
                r.failures());
    }

    private static List<FailedUnit> localFailures(Path runDir) {
        Path results = runDir.resolve("results.json");
        if (!Files.exists(results)) {
            return List.of();
        }
        try {
            ResultsDocument doc = ResultsIO.read(results);
            return doc.getFailures() == null ? List.of() : doc.getFailures();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** How many tasks of {@code stage} are in {@code state}. */
    public long count(String stage, String state) {
        return tasks.stream().filter(t -> t.stage().equals(stage) && t.state().equals(state)).count();
    }

    /** Whether every unit is journaled (the run can be merged). */
    public boolean complete() {
        return unitsDone == units;
    }

    /** The status as lines for a terminal: counts per stage, then each task not done with its detail. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("run " + runId + ": " + unitsDone + " of " + units + " units done" + (complete() ? " (complete: purifybench merge " + runId + ")" : ""));
        for (RunTasks.Stage stage : RunTasks.Stage.values()) {
            String s = stage.label();
            long all = tasks.stream().filter(t -> t.stage().equals(s)).count();
            lines.add(String.format("stage %s: %d tasks: %d done, %d running, %d failed, %d died, %d missing", s, all,
                    count(s, TaskRecord.DONE), count(s, TaskRecord.RUNNING), count(s, TaskRecord.FAILED), count(s, "died"), count(s, "missing")));
        }
        for (Task t : tasks) {
            if (t.state().equals(TaskRecord.DONE) || t.state().equals("missing")) {
                continue;
            }
            lines.add("  " + t.state() + " " + t.stage() + " " + t.index() + " (" + t.task() + ")" + (t.detail() == null ? "" : ": " + t.detail()));
            for (FailedUnit f : t.failures()) {
                lines.add("    " + f.cellId() + " " + f.defense() + (f.evaluator() == null ? "" : " " + f.evaluator()) + ": " + f.reason());
            }
        }
        List<String> missing = tasks.stream().filter(t -> t.state().equals("missing")).map(t -> t.stage() + " " + t.index()).toList();
        if (!missing.isEmpty()) {
            lines.add("  missing: " + String.join(", ", missing.subList(0, Math.min(20, missing.size()))) + (missing.size() > 20 ? ", ..." : ""));
        }
        return lines;
    }
}
