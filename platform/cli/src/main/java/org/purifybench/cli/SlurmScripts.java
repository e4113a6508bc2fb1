package org.purifybench.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.purifybench.core.run.RunTasks;

/**
 * The sbatch scripts of a run: one job array per stage (each array task runs one {@code run-unit}),
 * and a merge job. Everything the tasks need is in the script (absolute paths, the options the
 * submitter gave), so a script can be read, kept and resubmitted by hand.
 */
final class SlurmScripts {
    /** What every job of the run asks Slurm for; null fields are left to the cluster's defaults. */
    record Resources(String partition, String account, String time, int cpusPerTask, String mem, String gpus, int maxParallel,
                     List<String> extra) {
    }

    private final String runId;
    private final String launcher;
    private final Path workDir;
    private final Path submitDir;
    private final Path logDir;
    private final List<String> pluginArgs;
    private final Resources resources;

    SlurmScripts(String runId, String launcher, Path workDir, Path submitDir, Path logDir, List<String> pluginArgs, Resources resources) {
        this.runId = runId;
        this.launcher = launcher;
        this.workDir = workDir.toAbsolutePath().normalize();
        this.submitDir = submitDir.toAbsolutePath().normalize();
        this.logDir = logDir.toAbsolutePath().normalize();
        this.pluginArgs = List.copyOf(pluginArgs);
        this.resources = resources;
    }

    /** The array job that runs {@code indexes} of {@code stage}. */
    String stage(RunTasks.Stage stage, List<Integer> indexes) {
        List<String> lines = header("pb-" + stage.label() + "-" + runId, logDir.resolve(stage.label() + "-%A_%a.out"));
        lines.add(1, "# PurifyBench run " + runId + ", stage " + stage.label() + ": " + indexes.size() + " task(s), one per array index");
        lines.add("#SBATCH --array=" + arraySpec(indexes) + (resources.maxParallel() > 0 ? "%" + resources.maxParallel() : ""));
        lines.addAll(body("run-unit", "--run", runId, "--stage", stage.label(), "--index", "\"$SLURM_ARRAY_TASK_ID\"", "--quiet"));
        return String.join("\n", lines) + "\n";
    }

    /** The job that merges the tasks' journal shards into results.json and the report once stage evaluate has ended. */
    String merge() {
        List<String> lines = header("pb-merge-" + runId, logDir.resolve("merge-%j.out"));
        lines.add(1, "# PurifyBench run " + runId + ": merge the tasks' results (fails, listing them, while units are missing)");
        lines.addAll(body("merge", runId));
        return String.join("\n", lines) + "\n";
    }

    private List<String> header(String name, Path output) {
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("#SBATCH --job-name=" + name);
        lines.add("#SBATCH --output=" + output);
        lines.add("#SBATCH --chdir=" + submitDir);
        lines.add("#SBATCH --cpus-per-task=" + resources.cpusPerTask());
        add(lines, "--partition", resources.partition());
        add(lines, "--account", resources.account());
        add(lines, "--time", resources.time());
        add(lines, "--mem", resources.mem());
        add(lines, "--gpus", resources.gpus());
        resources.extra().forEach(o -> lines.add("#SBATCH " + o));
        return lines;
    }

    private List<String> body(String command, String... args) {
        List<String> lines = new ArrayList<>();
        lines.add("set -euo pipefail");
        lines.add("# the trainer is deterministic at a fixed thread count: pin it to the task's CPUs, so every task (and a");
        lines.add("# local run with the same OMP_NUM_THREADS) computes the same numbers");
        lines.add("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-" + resources.cpusPerTask() + "}\"");
        lines.add("# many tasks start at once on a shared folder: none of them may rebuild the project");
        lines.add("export PURIFYBENCH_NO_REBUILD=1");
        List<String> cmd = new ArrayList<>(List.of("exec", quote(launcher), "--work-dir", quote(workDir.toString()), command));
        for (String a : args) {
            cmd.add(a.startsWith("\"$") ? a : quote(a));
        }
        pluginArgs.forEach(a -> cmd.add(quote(a)));
        lines.add(String.join(" ", cmd));
        return lines;
    }

    private static void add(List<String> lines, String option, String value) {
        if (value != null && !value.isBlank()) {
            lines.add("#SBATCH " + option + "=" + value);
        }
    }

    /** Indexes as Slurm's --array list: runs of consecutive numbers as ranges ({@code 0-3,5,7-9}). */
    static String arraySpec(List<Integer> indexes) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < indexes.size()) {
            int j = i;
            while (j + 1 < indexes.size() && indexes.get(j + 1) == indexes.get(j) + 1) {
                j++;
            }
            parts.add(i == j ? String.valueOf(indexes.get(i)) : indexes.get(i) + "-" + indexes.get(j));
            i = j + 1;
        }
        return String.join(",", parts);
    }

    /** A word for bash: single-quoted unless it is plainly safe. */
    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
