package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;

/**
 * A run made by tasks on a shared work folder (what a cluster's array tasks do): stage train makes the
 * models, stage evaluate never does, a rerun or resubmission does only what is missing, and the merged
 * results are those of a run made by one process.
 */
class RunTasksTest {

    private static MatrixSpec spec(Path dir) throws Exception {
        return MatrixSpec.load(Files.writeString(dir.resolve("tasks.yaml"), PlanRunTest.SPEC
                .replace("DEFENSES", "[{id: none}, {id: oracle}]").replace("EVALUATORS", "[{id: probe}, {id: uses-oracle}]")
                .replace("seeds: [0]", "seeds: [0, 1]")));
    }

    private static MatrixRunner runner(PluginRegistry registry, Path work) {
        return new MatrixRunner(registry, DefaultHost.quiet(), work);
    }

    private static void runAll(PluginRegistry registry, Path work, MatrixSpec spec, RunTasks.Stage stage) {
        RunTasks tasks = runner(registry, work).tasks(spec, PlanRunTest.DATA);
        for (int i = 0; i < tasks.size(stage); i++) {
            // a fresh runner per task, as each task is its own process
            runner(registry, work).runTask(spec, PlanRunTest.DATA, stage, i);
        }
    }

    @Test
    void theTasksAreOneModelEachThenOneDefenseOfOneCellEach(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        MatrixSpec spec = spec(dir);
        RunTasks tasks = runner(PlanPlugins.registry(dir.resolve("plugins")), dir.resolve("work")).tasks(spec, PlanRunTest.DATA);
        assertEquals(List.of("clean model, seed 0", "clean model, seed 1", "backdoored model, synthetic/cnn-small/corner/0.1/seed0",
                "backdoored model, synthetic/cnn-small/corner/0.1/seed1"), tasks.train().stream().map(RunTasks.TrainTask::describe).toList());
        assertEquals(List.of("synthetic/cnn-small/corner/0.1/seed0 none", "synthetic/cnn-small/corner/0.1/seed0 oracle",
                "synthetic/cnn-small/corner/0.1/seed1 none", "synthetic/cnn-small/corner/0.1/seed1 oracle"),
                tasks.evaluate().stream().map(RunTasks.EvaluateTask::describe).toList());
        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4, 5), List.of(6, 7)),
                tasks.evaluate().stream().map(RunTasks.EvaluateTask::units).toList());
        assertTrue(Files.exists(MatrixRunner.runDir(dir.resolve("work"), spec).resolve(RunManifest.FILE)), "the run's matrix is kept");
        assertEquals(MatrixRunner.runId(spec), MatrixRunner.runId(RunManifest.load(dir.resolve("work"), MatrixRunner.runId(spec))),
                "the kept matrix is the run's (same config hash)");
        UserException e = assertThrows(UserException.class, () -> tasks.check(RunTasks.Stage.EVALUATE, 4));
        assertTrue(e.getMessage().contains("numbered 0 to 3"), e.getMessage());
    }

    @Test
    void anEvaluationTaskWhoseModelIsMissingFailsNamingItAndTrainsNothing(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir);
        Path work = dir.resolve("work");
        MatrixRunner.TaskOutcome o = runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, 0);
        assertEquals(2, o.failures().size(), o.failures().toString());
        assertTrue(o.failures().get(0).reason().contains("is not in the work folder's model cache"), o.failures().get(0).reason());
        assertTrue(o.failures().get(0).reason().contains("training task (stage 1) must finish first"), o.failures().get(0).reason());
        RunTasks tasks = runner(registry, work).tasks(spec, PlanRunTest.DATA);
        assertTrue(tasks.train().stream().noneMatch(RunTasks.TrainTask::cached), "no model was trained by the evaluation task");
        RunStatus status = runner(registry, work).status(spec, PlanRunTest.DATA);
        RunStatus.Task t = status.tasks().stream().filter(x -> x.stage().equals("evaluate") && x.index() == 0).findFirst().orElseThrow();
        assertEquals("failed", t.state());
        assertEquals(2, t.failures().size());
        assertTrue(status.lines().stream().anyMatch(l -> l.startsWith("  failed evaluate 0 ")), status.lines().toString());
    }

    @Test
    void tasksMergedGiveTheResultsOfOneProcessAndResubmittingSkipsWhatIsDone(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir);
        Path work = dir.resolve("cluster");

        runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.TRAIN, 0);
        RunTasks after = runner(registry, work).tasks(spec, PlanRunTest.DATA);
        assertEquals(List.of(1, 2, 3), after.pending(RunTasks.Stage.TRAIN), "a resubmission leaves the trained model out");
        runAll(registry, work, spec, RunTasks.Stage.TRAIN);
        assertEquals(List.of(), runner(registry, work).tasks(spec, PlanRunTest.DATA).pending(RunTasks.Stage.TRAIN));

        // evaluation tasks in reverse order: merged results do not depend on the order tasks finish in
        for (int i = 3; i >= 1; i--) {
            runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, i);
        }
        assertEquals(List.of(0), runner(registry, work).tasks(spec, PlanRunTest.DATA).pending(RunTasks.Stage.EVALUATE));
        UserException missing = assertThrows(UserException.class, () -> runner(registry, work).merge(spec, PlanRunTest.DATA));
        assertTrue(missing.getMessage().contains("2 of 8 units are missing: 0 (synthetic/cnn-small/corner/0.1/seed0|none|probe), 1 ("),
                missing.getMessage());
        assertTrue(missing.fix().contains("purifybench status"), missing.fix());
        assertFalse(Files.exists(MatrixRunner.runDir(work, spec).resolve("results.json")), "no partial results");

        runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, 0);
        int oracleRuns = PlanPlugins.ORACLE_RUNS.get();
        MatrixRunner.TaskOutcome again = runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, 0);
        assertEquals(0, again.unitsComputed(), "a task run again after it finished does nothing");
        assertEquals(oracleRuns, PlanPlugins.ORACLE_RUNS.get());
        RunStatus status = runner(registry, work).status(spec, PlanRunTest.DATA);
        assertTrue(status.complete());
        assertEquals(4, status.count("evaluate", "done"));
        ResultsDocument merged = runner(registry, work).merge(spec, PlanRunTest.DATA).document();
        List<TaskRecord> records = TaskRecord.readAll(MatrixRunner.runDir(work, spec));
        assertEquals(8, records.size(), "one record per task");
        assertEquals(records.stream().mapToDouble(t -> t.usage().seconds()).sum(), merged.getProvenance().wallTimeSeconds(), 1e-9,
                "a merged run's time is its tasks' summed");
        assertEquals(records.stream().mapToLong(t -> t.usage().peakResidentBytes()).max().orElseThrow(),
                merged.getProvenance().peakOffHeapBytes(), "and its peak memory the largest task's");

        ResultsDocument single = runner(registry, dir.resolve("single")).run(spec, PlanRunTest.DATA, false).document();
        RunStatus local = runner(registry, dir.resolve("single")).status(spec, PlanRunTest.DATA);
        assertTrue(local.complete(), "status reads a run made by one process too: " + local.lines());
        assertEquals(4, local.count("train", "done"));
        assertEquals(single.getRows(), merged.getRows());
        assertEquals(ResultsIO.mapper().writeValueAsString(single.getCurves()), ResultsIO.mapper().writeValueAsString(merged.getCurves()));
        assertEquals(single.getCells(), merged.getCells());
        assertEquals(single.getConfig(), merged.getConfig());
        assertEquals(single.getRunId(), merged.getRunId());
        assertEquals(ResultsIO.read(MatrixRunner.runDir(work, spec).resolve("results.json")).getRows(), merged.getRows());
    }

    @Test
    void aTaskKilledMidwayIsSeenAsDiedAndRunningItAgainCompletesIt(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir);
        Path work = dir.resolve("work");
        runAll(registry, work, spec, RunTasks.Stage.TRAIN);
        runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, 2);
        Path runDir = MatrixRunner.runDir(work, spec);
        // what a kill leaves: the record still says running (its process is gone), the shard ends in a torn line
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        new TaskRecord("evaluate", 2, "synthetic/cnn-small/corner/0.1/seed1 none", TaskRecord.RUNNING, HardwareInfo.hostName(), gone.pid(),
                "2026-01-01T00:00:00Z", null, null, null, null, null).write(runDir);
        Path shard = runDir.resolve(Journal.SHARDS).resolve("evaluate-2.jsonl");
        List<String> lines = Files.readAllLines(shard);
        Files.write(shard, List.of(lines.get(0)));
        Files.writeString(shard, lines.get(1).substring(0, lines.get(1).length() / 2), StandardOpenOption.APPEND);

        RunStatus status = runner(registry, work).status(spec, PlanRunTest.DATA);
        RunStatus.Task t = status.tasks().stream().filter(x -> x.stage().equals("evaluate") && x.index() == 2).findFirst().orElseThrow();
        assertEquals("died", t.state(), status.lines().toString());
        assertTrue(t.detail().contains("run the task again"), t.detail());

        MatrixRunner.TaskOutcome rerun = runner(registry, work).runTask(spec, PlanRunTest.DATA, RunTasks.Stage.EVALUATE, 2);
        assertEquals(1, rerun.unitsComputed(), "only the unit the kill tore is redone");
        assertEquals("done", runner(registry, work).status(spec, PlanRunTest.DATA).tasks().stream()
                .filter(x -> x.stage().equals("evaluate") && x.index() == 2).findFirst().orElseThrow().state());
    }

    @Test
    void aTaskWhoseSchedulerJobIsGoneShowsAsDiedOnAnyMachine(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir);
        Path work = dir.resolve("work");
        runner(registry, work).tasks(spec, PlanRunTest.DATA);
        // a record left by a task on another node that Slurm killed at its time limit
        new TaskRecord("train", 1, "clean model, seed 1", TaskRecord.RUNNING, "node17", 4242, "2026-01-01T00:00:00Z", null, "991_1", null,
                null, null).write(MatrixRunner.runDir(work, spec));
        java.util.function.Function<RunStatus, String> state = st -> st.tasks().stream()
                .filter(t -> t.stage().equals("train") && t.index() == 1).findFirst().orElseThrow().state();
        RunStatus gone = runner(registry, work).status(spec, PlanRunTest.DATA, job -> java.util.Optional.of(!job.equals("991_1")));
        assertEquals("died", state.apply(gone));
        assertTrue(gone.lines().stream().anyMatch(l -> l.contains("its Slurm job 991_1 (on node17") && l.contains("submit again")),
                gone.lines().toString());
        assertEquals("running", state.apply(runner(registry, work).status(spec, PlanRunTest.DATA, job -> java.util.Optional.of(true))));
        assertEquals("running", state.apply(runner(registry, work).status(spec, PlanRunTest.DATA)), "no scheduler to ask: still running");
    }
}
