package org.purifybench.core.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Killing the harness, however, kills its sandbox: a harness JVM runs an endless-loop defense, the
 * test kills that JVM with SIGTERM, SIGINT or SIGKILL once the confined JVM runs, and then no process
 * of the job's uid and no unshare of its job folder may be left. The folder a SIGKILL leaves is
 * removed by the next job's start.
 */
class SandboxOrphanTest {
    private static final Pattern UID = Pattern.compile(" as uid (\\d+)");
    private static Path dir;
    private static Path jar;

    @BeforeAll
    static void setUp() throws Exception {
        String why = Confinement.unavailableReason();
        Assumptions.assumeTrue(why == null, "the sandbox cannot be set up here: " + why);
        dir = Files.createTempDirectory("purifybench-orphan-test");
        jar = SandboxFixtures.jar(dir.resolve("submissions/fixtures.jar"), "Spin");
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (dir != null) {
            SandboxFixtures.deleteTree(dir);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT", "KILL"})
    void theSandboxDiesWithItsHarness(String signal) throws Exception {
        Path jobs = dir.resolve("jobs-" + signal);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env --default-signal: a build started in the background (cmd &) runs with SIGINT ignored, which the
        // harness JVM would inherit and keep; the test needs the disposition a user's harness has.
        Process harness = new ProcessBuilder("env", "--default-signal=INT,TERM", javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                SandboxHarnessMain.class.getName(), jar.toString(), jobs.toString()).redirectErrorStream(true).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException ignored) {
                // the harness is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            int uid = -1;
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (System.nanoTime() < deadline && harness.isAlive()) {
                uid = out.stream().map(UID::matcher).filter(Matcher::find).mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElse(-1);
                if (uid >= 0 && !pidsOf(uid).isEmpty()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(uid >= 0 && !pidsOf(uid).isEmpty(), "the confined JVM never started: " + String.join("\n", out));
            new ProcessBuilder("kill", "-" + signal, String.valueOf(harness.pid())).start().waitFor();
            assertTrue(harness.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the harness did not end on SIG" + signal);
            List<Long> left = List.of();
            long gone = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < gone) {
                left = new ArrayList<>(pidsOf(uid));
                left.addAll(unsharesOf(jobs));
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals(List.of(), left, "processes of the sandbox outlived the harness killed with SIG" + signal);
        } finally {
            harness.destroyForcibly();
        }
        // Whatever the harness left in the jobs folder, the next job's start removes it.
        new Sandbox(jobs, SandboxTest.LIMITS, List.of(), line -> { }).removeLeftJobs();
        try (Stream<Path> left = Files.list(jobs)) {
            assertEquals(List.of(), left.toList(), "job folders left after SIG" + signal);
        }
    }

    /** Processes whose real uid is {@code uid} (from /proc: the uid has no name). */
    static List<Long> pidsOf(int uid) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs.filter(f -> f.getFileName().toString().matches("\\d+"))::iterator) {
                try {
                    for (String line : Files.readAllLines(p.resolve("status"))) {
                        if (line.startsWith("Uid:") && line.split("\\s+")[1].equals(String.valueOf(uid))) {
                            pids.add(Long.parseLong(p.getFileName().toString()));
                        }
                    }
                } catch (IOException gone) {
                    // ended while listed
                }
            }
        }
        return pids;
    }

    /** unshare (or its sh) processes running a script in this jobs folder. */
    static List<Long> unsharesOf(Path jobs) {
        String folder = jobs.toAbsolutePath().toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(folder)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }
}
