package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;

/** plan, run-unit, status, merge and slurm submit --dry-run as a user runs them, on a tiny synthetic matrix with the real plug-ins. */
class ClusterCliTest {
    static final String SMALL = MatrixRunnerTest.TINY
            .replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]",
                    "defenses: [{id: none}, {id: ft, params: {epochs: 1}}]")
            .replace(", {id: lmc, params: {points: 3}}", "")
            .replace("epochs: 2,", "epochs: 1,");

    private static Result run(String... args) {
        return PluginJarsCliTest.run(args);
    }

    @Test
    void aRunPlannedRunTaskByTaskStatusedAndMergedAsAUserDoes(@TempDir Path dir) throws Exception {
        assertTrue(SMALL.contains("{id: ft, params: {epochs: 1}}]") && !SMALL.contains("lmc"), SMALL);
        Path m = Files.writeString(dir.resolve("small.yaml"), SMALL);
        String work = dir.resolve("w").toString();
        Result plan = run("--work-dir", work, "plan", "--matrix", m.toString());
        assertEquals(0, plan.code(), plan.err());
        String runId = plan.out().lines().findFirst().orElseThrow().split(" ")[1];
        assertTrue(plan.out().contains("stage train (2 tasks, one model each):"), plan.out());
        assertTrue(plan.out().contains("stage evaluate (2 tasks, one defense of one cell each, needs stage train):"), plan.out());

        Result early = run("--work-dir", work, "run-unit", "--run", runId, "--stage", "evaluate", "--index", "1", "--quiet");
        assertEquals(1, early.code());
        assertTrue(early.err().contains("is not in the work folder's model cache"), early.err());

        Result dry = run("--work-dir", work, "slurm", "submit", "--run", runId, "--dry-run", "--launcher", "/opt/pb/purifybench",
                "--max-parallel", "3", "--cpus-per-task", "1");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("stage train 2 of 2 task(s) to run, stage evaluate 2 of 2"), dry.out());
        assertTrue(dry.out().contains("#SBATCH --array=0-1%3"), dry.out());
        assertTrue(dry.out().contains("# sbatch --parsable --dependency=afterok:$JOBID_TRAIN --kill-on-invalid-dep=yes "), dry.out());
        assertTrue(dry.out().contains("# sbatch --parsable --dependency=afterany:$JOBID_EVALUATE "), dry.out());

        for (String[] task : new String[][] {{"train", "0"}, {"train", "1"}, {"evaluate", "1"}}) {
            Result r = run("--work-dir", work, "run-unit", "--run", runId, "--stage", task[0], "--index", task[1], "--quiet");
            assertEquals(0, r.code(), r.err());
        }
        Result status = run("--work-dir", work, "status", runId);
        assertEquals(3, status.code(), "not complete yet: " + status.out());
        assertTrue(status.out().contains("stage evaluate: 2 tasks: 1 done, 0 running, 0 failed, 0 died, 1 missing"), status.out());

        Result incomplete = run("--work-dir", work, "merge", runId);
        assertEquals(1, incomplete.code());
        assertTrue(incomplete.err().contains("units are missing: 0 ("), incomplete.err());

        Result resubmit = run("--work-dir", work, "slurm", "submit", "--run", runId, "--dry-run", "--launcher", "/opt/pb/purifybench");
        assertTrue(resubmit.out().contains("stage train 0 of 2 task(s) to run, stage evaluate 1 of 2"), resubmit.out());
        assertTrue(resubmit.out().contains("#SBATCH --array=0\n") && !resubmit.out().contains("train.sbatch"), resubmit.out());

        assertEquals(0, run("--work-dir", work, "run-unit", "--run", runId, "--stage", "evaluate", "--index", "0", "--quiet").code());
        Result done = run("--work-dir", work, "status", runId);
        assertEquals(0, done.code(), done.out());
        Result merged = run("--work-dir", work, "merge", runId);
        assertEquals(0, merged.code(), merged.err());
        assertTrue(Files.exists(dir.resolve("w/runs").resolve(runId).resolve("results.json")));
        assertTrue(Files.exists(dir.resolve("w/runs").resolve(runId).resolve("report.md")));
    }

    @Test
    void anUnknownRunIdSaysWhereItLooked(@TempDir Path dir) {
        Result r = run("--work-dir", dir.toString(), "status", "nope-000000000000");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no run nope-000000000000 in " + dir.resolve("runs")), r.err());
    }
}
