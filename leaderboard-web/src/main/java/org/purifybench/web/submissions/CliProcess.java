package org.purifybench.web.submissions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the PurifyBench CLI as a child process: with an environment cleared of everything but what
 * the CLI needs (the server's database and admin passwords stay behind: the CLI loads the uploaded
 * jar), output to files, a wall-clock limit, and the whole process tree killed when the limit is
 * reached or the server stops.
 */
public final class CliProcess {
    private static final Logger LOG = LoggerFactory.getLogger(CliProcess.class);

    /** Variables passed on to the CLI; everything else of the server's environment is dropped. */
    static final Set<String> KEPT_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "JAVA_HOME", "TMPDIR",
            "PURIFYBENCH_JAVA_OPTS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MAVEN_OPTS");

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    /** How a child process ended. */
    public record Outcome(int exitCode, boolean timedOut, boolean interrupted) {
        public boolean ok() {
            return exitCode == 0 && !timedOut && !interrupted;
        }
    }

    private CliProcess() {
    }

    /**
     * Runs {@code command} in {@code dir}, stdout to {@code stdout}, stderr to {@code stderr} (may be the
     * same file), and waits at most {@code timeout}.
     */
    public static Outcome run(List<String> command, Path dir, Path stdout, Path stderr, Duration timeout) throws IOException {
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
        try {
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Outcome(p.exitValue(), false, false);
            }
            LOG.warn("{} outlived its limit of {}: killing its process tree", command, timeout);
            killTree(p);
            return new Outcome(-1, true, false);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Outcome(-1, false, true);
        } finally {
            RUNNING.remove(p);
        }
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
