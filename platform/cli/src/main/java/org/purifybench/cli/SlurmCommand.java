package org.purifybench.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.purifybench.core.UserException;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "slurm", description = "Run a matrix on a Slurm cluster whose nodes share the work folder.",
        subcommands = SlurmCommand.Submit.class)
final class SlurmCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Override
    public Integer call() {
        throw new UserException("slurm needs a subcommand", "purifybench slurm submit --profile quick --dry-run shows what it would submit");
    }

    @Command(name = "submit", description = "Write the run's sbatch scripts (a job array for stage train, one for stage evaluate that"
            + " starts after it, a merge job after that; logs under the run folder's slurm/logs) and submit them with sbatch."
            + " Finished tasks are left out, so submitting the same matrix again runs only what is missing or failed.")
    static final class Submit implements Callable<Integer> {
        @ParentCommand
        SlurmCommand slurm;

        @Mixin
        RunTarget target;

        @Mixin
        PluginOptions plugins;

        @Option(names = "--partition", paramLabel = "P", description = "Slurm partition (default: the cluster's).")
        String partition;

        @Option(names = "--account", paramLabel = "A", description = "Slurm account to charge.")
        String account;

        @Option(names = "--time", paramLabel = "T", description = "Time limit per task, Slurm's format (e.g. 4:00:00).")
        String time;

        @Option(names = "--cpus-per-task", paramLabel = "C", defaultValue = "2",
                description = "CPUs per task; also its OMP_NUM_THREADS (numbers are identical only at equal thread counts; default: ${DEFAULT-VALUE}).")
        int cpusPerTask;

        @Option(names = "--mem", paramLabel = "M", description = "Memory per task, Slurm's format (e.g. 12G; the launcher caps native memory at 8 GB).")
        String mem;

        @Option(names = "--gpus", paramLabel = "G", description = "GPUs per task (for a GPU engine; today's engine runs on the CPU).")
        String gpus;

        @Option(names = "--max-parallel", paramLabel = "K", defaultValue = "0",
                description = "At most K tasks of a stage at once (--array=...%%K; default: no limit).")
        int maxParallel;

        @Option(names = "--sbatch-option", paramLabel = "OPT",
                description = "Another sbatch option for every job, e.g. --sbatch-option=--qos=long (repeatable).")
        List<String> extra = new ArrayList<>();

        @Option(names = "--launcher", paramLabel = "CMD",
                description = "The purifybench command the nodes run (default: this launcher; it must be on the shared file system).")
        String launcher;

        @Option(names = "--dry-run", description = "Write and print the scripts and the sbatch commands; submit nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws IOException {
            Path workDir = slurm.root.workDir.toAbsolutePath().normalize();
            RunSupport.checkWritable(workDir);
            if (cpusPerTask < 1) {
                throw new UserException("--cpus-per-task must be at least 1, got " + cpusPerTask, "e.g. --cpus-per-task 2");
            }
            String cmd = launcher != null ? launcher : System.getProperty("purifybench.launcher");
            if (cmd == null || cmd.isBlank()) {
                throw new UserException("no launcher to put in the scripts (this JVM was not started by ./purifybench)",
                        "give --launcher /shared/path/to/purifybench");
            }
            MatrixSpec spec = target.spec(workDir);
            MatrixRunner runner = RunSupport.runner(plugins, workDir, false);
            RunTasks tasks = runner.tasks(spec, MatrixRunner.dataset(spec));
            Path runDir = MatrixRunner.runDir(workDir, spec);
            Path dir = runDir.resolve("slurm").resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.createDirectories(dir);
            Files.createDirectories(runDir.resolve("slurm").resolve("logs"));
            SlurmScripts scripts = new SlurmScripts(tasks.runId(), cmd, workDir, Path.of("").toAbsolutePath(), runDir.resolve("slurm").resolve("logs"),
                    plugins.asArgs(), new SlurmScripts.Resources(partition, account, time, cpusPerTask, mem, gpus, maxParallel, extra));
            List<Integer> train = tasks.pending(RunTasks.Stage.TRAIN);
            List<Integer> evaluate = tasks.pending(RunTasks.Stage.EVALUATE);
            System.out.println("run " + tasks.runId() + ": stage train " + train.size() + " of " + tasks.train().size() + " task(s) to run, stage evaluate "
                    + evaluate.size() + " of " + tasks.evaluate().size());
            if (evaluate.isEmpty()) {
                System.out.println("every unit is done: purifybench merge " + tasks.runId() + " --work-dir " + workDir + " writes the results");
                return 0;
            }
            if (!dryRun) {
                checkArraySize(train, evaluate, SlurmQueue.maxArraySize());
            }
            if (mem == null) {
                System.out.println("note: no --mem: each task gets the cluster's default memory; the launcher lets one use up to 3 GB of"
                        + " heap and 8 GB of native memory (a task of the demo's matrix peaked at 2.8 GB resident): give --mem where the default is small");
            }
            List<String> jobs = new ArrayList<>();
            String trainJob = null;
            if (!train.isEmpty()) {
                trainJob = submit(write(dir.resolve("train.sbatch"), scripts.stage(RunTasks.Stage.TRAIN, train)), List.of());
                jobs.add(trainJob);
            }
            String evalJob = submit(write(dir.resolve("evaluate.sbatch"), scripts.stage(RunTasks.Stage.EVALUATE, evaluate)),
                    trainJob == null ? List.of() : List.of("--dependency=afterok:" + trainJob, "--kill-on-invalid-dep=yes"));
            jobs.add(evalJob);
            // afterany: the merge also runs when tasks failed, and its log then lists what is missing
            jobs.add(submit(write(dir.resolve("merge.sbatch"), scripts.merge()), List.of("--dependency=afterany:" + evalJob)));
            if (dryRun) {
                System.out.println("dry run: nothing submitted; the scripts are in " + dir);
                return 0;
            }
            System.out.println("submitted jobs " + String.join(", ", jobs) + " (train, evaluate, merge; scripts in " + dir + ")");
            System.out.println("follow them: squeue -j " + String.join(",", jobs));
            System.out.println("             purifybench status " + tasks.runId() + " --work-dir " + workDir);
            System.out.println("logs:        " + runDir.resolve("slurm").resolve("logs"));
            System.out.println("results:     " + runDir.resolve("results.json") + " (written by the merge job)");
            return 0;
        }

        /** Array indexes must stay below the cluster's MaxArraySize: say so before anything is submitted. */
        static void checkArraySize(List<Integer> train, List<Integer> evaluate, OptionalInt maxArraySize) {
            if (maxArraySize.isEmpty()) {
                return;
            }
            int largest = Stream.of(train, evaluate).flatMap(List::stream).mapToInt(Integer::intValue).max().orElse(-1);
            if (largest >= maxArraySize.getAsInt()) {
                throw new UserException("this run has task number " + largest + " but the cluster's MaxArraySize is " + maxArraySize.getAsInt()
                        + " (array indexes 0 to " + (maxArraySize.getAsInt() - 1) + ")",
                        "split the matrix into smaller matrix files (e.g. one per seed), or ask the cluster's admins to raise MaxArraySize");
            }
        }

        private static Path write(Path file, String text) throws IOException {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        }

        /** Submits {@code script} (or prints it on a dry run) and returns its job id ({@code $JOBID_STAGE} on a dry run). */
        private String submit(Path script, List<String> options) throws IOException {
            List<String> command = new ArrayList<>(List.of("sbatch", "--parsable"));
            command.addAll(options);
            command.add(script.toString());
            if (dryRun) {
                System.out.println();
                System.out.println("# " + String.join(" ", command));
                System.out.print(Files.readString(script));
                return "$JOBID_" + script.getFileName().toString().replace(".sbatch", "").toUpperCase(java.util.Locale.ROOT);
            }
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new UserException("cannot run sbatch (" + e.getMessage() + ")",
                        "submit from a Slurm login node (sbatch on the PATH), or --dry-run to see the scripts");
            }
            String out;
            try {
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new UserException("sbatch did not answer in 2 minutes", "check the cluster (sinfo) and submit again");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserException("interrupted while submitting", "submit again: finished tasks are skipped");
            }
            if (p.exitValue() != 0) {
                throw new UserException("sbatch refused " + script + ": " + out, "fix the option it names (see the script) and submit again");
            }
            // --parsable prints "jobid" or "jobid;cluster"
            return out.lines().reduce((a, b) -> b).orElse("").split(";")[0].trim();
        }
    }
}
