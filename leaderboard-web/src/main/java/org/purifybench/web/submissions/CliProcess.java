package org.purifybench.web.submissions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the PurifyBench CLI as a child process: with an environment cleared of everything but what
 * the CLI needs (the server's database and admin passwords stay behind: the CLI loads the uploaded
 * jar), output to files, a wall-clock limit, and the whole process tree killed when the limit is
 * reached, the server stops, or an admin cancels the job ({@link #cancel}).
 */
public final class CliProcess {
    private static final Logger LOG = LoggerFactory.getLogger(CliProcess.class);

    /** Variables passed on to the CLI; everything else of the server's environment is dropped. */
    static final Set<String> KEPT_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "JAVA_HOME", "TMPDIR",
            "PURIFYBENCH_JAVA_OPTS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MAVEN_OPTS");

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Map<String, Process> BY_JOB = new ConcurrentHashMap<>();
    private static final Set<Process> CANCELLED = ConcurrentHashMap.newKeySet();

    /** How a child process ended. */
    public record Outcome(int exitCode, boolean timedOut, boolean interrupted, boolean cancelled) {
        public boolean ok() {
            return exitCode == 0 && !timedOut && !interrupted && !cancelled;
        }
    }

    private CliProcess() {
    }

    /**
     * Runs {@code command} in {@code dir}, stdout to {@code stdout}, stderr to {@code stderr} (may be the
     * same file), and waits at most {@code timeout}.
     */
    public static Outcome run(List<String> command, Path dir, Path stdout, Path stderr, Duration timeout) throws IOException {
        return run(null, () -> true, command, dir, stdout, stderr, timeout);
    }

    /**
     * As {@link #run(List, Path, Path, Path, Duration)}, for a job that {@link #cancel} may stop:
     * {@code job} names it, and {@code wanted} is asked once the process is registered under that
     * name. The canceller changes the job's state before it looks the process up, so a cancel that
     * comes between the job's claim and the process's start is seen by {@code wanted}.
     */
    public static Outcome run(String job, BooleanSupplier wanted, List<String> command, Path dir, Path stdout, Path stderr,
                              Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        Map<String, String> mine = Map.copyOf(env);
        env.clear();
        mine.forEach((k, v) -> {
            if (KEPT_ENVIRONMENT.contains(k)) {
                env.put(k, v);
            }
        });
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (stdout.equals(stderr)) {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()));
        } else {
            pb.redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        }
        Process p = pb.start();
        RUNNING.add(p);
        if (job != null) {
            BY_JOB.put(job, p);
        }
        try {
            if (!wanted.getAsBoolean()) {
                CANCELLED.add(p);
                killTree(p);
                return new Outcome(-1, false, false, true);
            }
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Outcome(p.exitValue(), false, false, CANCELLED.contains(p));
            }
            if (CANCELLED.contains(p)) { // the canceller is still killing it
                killTree(p);
                return new Outcome(-1, false, false, true);
            }
            LOG.warn("{} outlived its limit of {}: killing its process tree", command, timeout);
            killTree(p);
            return new Outcome(-1, true, false, false);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Outcome(-1, false, true, CANCELLED.contains(p));
        } finally {
            RUNNING.remove(p);
            if (job != null) {
                BY_JOB.remove(job, p);
            }
            CANCELLED.remove(p);
        }
    }

    /**
     * Kills the process tree of {@code job}'s child, if it has one now, and waits until the child is
     * gone; its {@link #run} then returns a cancelled outcome.
     * @return whether there was a process to kill
     */
    public static boolean cancel(String job) {
        Process p = BY_JOB.get(job);
        if (p == null) {
            return false;
        }
        CANCELLED.add(p);
        LOG.info("job {}: cancelled, killing its process tree (pid {})", job, p.pid());
        killTree(p);
        return true;
    }

    /** Kills every child process still running (the server is stopping: the jobs stay claimed and resume at the next start). */
    public static void killAll() {
        RUNNING.forEach(CliProcess::killTree);
    }

    static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly); // forked while we were killing
    }
}
