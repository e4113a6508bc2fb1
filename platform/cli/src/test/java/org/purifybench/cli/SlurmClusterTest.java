package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;

/**
 * {@code purifybench slurm submit} on a real Slurm cluster (CI starts a one-node one: .ci/slurm-cluster):
 * the job arrays run; an evaluation task killed mid-way shows as died and leaves the merge without
 * results; submitting again runs only that task, and the merged results equal a single-process run
 * of the same matrix at the same thread count; submitting once more finds nothing to do. Skipped where no
 * cluster answers, unless PURIFYBENCH_REQUIRE_SLURM is set (CI): then that is a failure.
 */
class SlurmClusterTest {
    private static final long WAIT_MINUTES = 10;

    @Test
    void submittedJobArraysGiveTheResultsOfOneLocalProcess(@TempDir Path dir) throws Exception {
        String why = clusterMissing();
        if (why != null) {
            if (System.getenv("PURIFYBENCH_REQUIRE_SLURM") != null) {
                fail("PURIFYBENCH_REQUIRE_SLURM is set but " + why + " (.ci/slurm-cluster start starts one)");
            }
            Assumptions.abort(why);
        }
        Path m = Files.writeString(dir.resolve("small.yaml"), ClusterCliTest.SMALL);
        Path launcher = launcher(dir);

        // the reference: one process, one thread, as each array task runs (--cpus-per-task 1)
        Process local = new ProcessBuilder(launcher.toString(), "--work-dir", dir.resolve("local").toString(), "run", "--matrix", m.toString(), "--quiet")
                .redirectErrorStream(true).redirectOutput(dir.resolve("local.log").toFile()).start();
        local.getOutputStream().close();

        Result submitted = PluginJarsCliTest.run("--work-dir", dir.resolve("cluster").toString(), "slurm", "submit", "--matrix", m.toString(),
                "--cpus-per-task", "1", "--max-parallel", "2", "--launcher", launcher.toString());
        assertEquals(0, submitted.code(), submitted.err());
        String jobsLine = submitted.out().lines().filter(l -> l.startsWith("submitted jobs ")).findFirst().orElseThrow(() -> new AssertionError(submitted.out()));
        List<String> jobs = Arrays.asList(jobsLine.substring("submitted jobs ".length(), jobsLine.indexOf(" (")).split(", "));
        assertEquals(3, jobs.size(), jobsLine);

        String runId = submitted.out().lines().findFirst().orElseThrow().split(" ")[1].replace(":", "");
        Path clusterRun = dir.resolve("cluster/runs").resolve(runId);
        Path results = clusterRun.resolve("results.json");

        // Slurm kills evaluate task 1 (ft) mid-way, as a time limit or a scancel would: once its record says it runs
        Path record = clusterRun.resolve("tasks/evaluate-1.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
        boolean killed = false;
        while (!killed && System.nanoTime() < deadline) {
            String state = Files.exists(record) ? Files.readString(record) : "";
            if (state.contains("\"state\":\"running\"")) {
                assertEquals(0, new ProcessBuilder("scancel", jobs.get(1) + "_1").start().waitFor());
                killed = true;
            } else {
                assertTrue(!state.contains("\"state\":\"done\""), "evaluate task 1 finished before it could be killed: " + state);
                Thread.sleep(100);
            }
        }
        assertTrue(killed, "evaluate task 1 never ran; logs:\n" + logs(clusterRun.resolve("slurm/logs")));
        waitForJobs(jobs);
        assertTrue(Files.notExists(results), "the merge must not write results while a unit is missing");
        Result status = PluginJarsCliTest.run("--work-dir", dir.resolve("cluster").toString(), "status", runId);
        assertEquals(3, status.code(), status.out());
        assertTrue(status.out().contains("  died evaluate 1 ("), status.out());
        assertTrue(logs(clusterRun.resolve("slurm/logs")).contains("units are missing"), "the merge job's log lists what is missing");

        Result resubmitted = PluginJarsCliTest.run("--work-dir", dir.resolve("cluster").toString(), "slurm", "submit", "--matrix", m.toString(),
                "--cpus-per-task", "1", "--launcher", launcher.toString());
        assertEquals(0, resubmitted.code(), resubmitted.err());
        assertTrue(resubmitted.out().contains("stage train 0 of 2 task(s) to run, stage evaluate 1 of 2"), resubmitted.out());
        String again1 = resubmitted.out().lines().filter(l -> l.startsWith("submitted jobs ")).findFirst().orElseThrow(() -> new AssertionError(resubmitted.out()));
        List<String> jobs2 = Arrays.asList(again1.substring("submitted jobs ".length(), again1.indexOf(" (")).split(", "));
        assertEquals(2, jobs2.size(), "no training job: its models are cached; " + again1);

        assertTrue(local.waitFor(WAIT_MINUTES, TimeUnit.MINUTES), "the local run did not finish");
        assertEquals(0, local.exitValue(), Files.readString(dir.resolve("local.log")));
        waitForJobs(jobs2);
        assertTrue(Files.exists(results), "the merge job wrote no results; logs:\n" + logs(clusterRun.resolve("slurm/logs")));
        ObjectMapper json = new ObjectMapper();
        JsonNode fromCluster = json.readTree(results.toFile());
        JsonNode fromLocal = json.readTree(dir.resolve("local/runs").resolve(runId).resolve("results.json").toFile());
        assertTrue(fromCluster.get("rows").size() > 0);
        assertEquals(fromLocal.get("rows"), fromCluster.get("rows"), "rows differ from the local run's");
        assertEquals(fromLocal.get("curves"), fromCluster.get("curves"), "curves differ from the local run's");
        assertEquals(fromLocal.get("cells"), fromCluster.get("cells"));
        assertTrue(Files.list(clusterRun.resolve("slurm/logs")).anyMatch(p -> p.getFileName().toString().startsWith("evaluate-")));

        Result again = PluginJarsCliTest.run("--work-dir", dir.resolve("cluster").toString(), "slurm", "submit", "--matrix", m.toString(),
                "--cpus-per-task", "1", "--launcher", launcher.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("stage train 0 of 2 task(s) to run, stage evaluate 0 of 2"), again.out());
        assertTrue(again.out().contains("every unit is done"), again.out());

        Result refused = PluginJarsCliTest.run("--work-dir", dir.resolve("refused").toString(), "slurm", "submit", "--matrix", m.toString(),
                "--partition", "no-such-partition", "--launcher", launcher.toString());
        assertEquals(1, refused.code(), refused.out());
        assertTrue(refused.err().contains("sbatch refused ") && refused.err().contains("train.sbatch"), refused.err());
        assertTrue(refused.err().toLowerCase(java.util.Locale.ROOT).contains("partition"), "sbatch's reason is shown: " + refused.err());
    }

    /** Why no cluster can be used here, or null when sbatch and squeue answer. */
    private static String clusterMissing() {
        try {
            Process p = new ProcessBuilder("squeue", "-h").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "squeue fails: " + out.strip();
            }
            return null;
        } catch (Exception e) {
            return "no Slurm client here (" + e.getMessage() + ")";
        }
    }

    /** A purifybench command for the array tasks: this JVM's classes and native settings, one thread unless Slurm says otherwise. */
    private static Path launcher(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> props = new ArrayList<>();
        for (String name : List.of("org.bytedeco.javacpp.platform.extension", "org.bytedeco.javacpp.maxbytes", "org.bytedeco.javacpp.maxphysicalbytes")) {
            if (System.getProperty(name) != null) {
                props.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        // the classpath is written to a file: surefire's can be long, and array tasks read it from the shared folder
        Path cp = Files.writeString(dir.resolve("classpath.txt"), String.join(File.pathSeparator, System.getProperty("java.class.path")));
        String script = "#!/bin/bash\n"
                + "export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-1}\" OMP_WAIT_POLICY=PASSIVE\n"
                + "[ -n \"${SLURM_JOB_ID:-}\" ] || export OMP_NUM_THREADS=1\n"
                + "exec " + SlurmScripts.quote(java) + " -Xmx1g -XX:+UseParallelGC -Xmn32m " + String.join(" ", props.stream().map(SlurmScripts::quote).toList())
                + " -cp \"$(cat " + SlurmScripts.quote(cp.toString()) + ")\" org.purifybench.cli.PurifyBench \"$@\"\n";
        Path launcher = dir.resolve("purifybench");
        Files.writeString(launcher, script);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    private static void waitForJobs(List<String> jobs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder("squeue", "-h", "-j", String.join(",", jobs)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(30, TimeUnit.SECONDS);
            if (out.isEmpty() || out.contains("Invalid job id")) {
                return;
            }
            Thread.sleep(2000);
        }
        new ProcessBuilder("scancel", String.join(",", jobs)).start().waitFor(30, TimeUnit.SECONDS);
        fail("the jobs " + jobs + " did not finish in " + WAIT_MINUTES + " minutes");
    }

    private static String logs(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return "(no logs)";
        }
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                List<String> lines = Files.readAllLines(p);
                sb.append("== ").append(p.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()))).append('\n');
            }
        }
        return sb.toString();
    }
}
