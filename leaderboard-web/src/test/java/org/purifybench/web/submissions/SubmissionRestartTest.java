package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;

/**
 * Jobs survive a restart: a server stopped while a run is going kills the run's processes and
 * leaves the job running in the database; the next server (same database and data folder) puts it
 * back into the queue and runs it again with the same arguments (so the real CLI resumes the same
 * run folder and journal), counting the attempt.
 */
class SubmissionRestartTest {

    private static Map<String, Object> props(Path data, Path script, String db) {
        return Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", script.toString(),
                "purifybench.submissions.data-dir", data.toString(),
                "purifybench.submissions.poll-interval", "100ms",
                "datasources.default.url", "jdbc:h2:mem:" + db + ";DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
    }

    private static SubmissionRecord await(SubmissionRepository repo, String id, Predicate<SubmissionRecord> done, String what)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        SubmissionRecord s = null;
        while (System.nanoTime() < end) {
            s = repo.findById(id).orElseThrow();
            if (done.test(s)) {
                return s;
            }
            Thread.sleep(100);
        }
        fail("never " + what + "; last: " + s);
        return null;
    }

    @Test
    void aRunInterruptedByAStopIsRequeuedAtTheNextStartAndFinishes(@TempDir Path dir) throws Exception {
        Path script = StandInCli.write(dir.resolve("cli"), SubmissionsTest.DEFENSE);
        Path data = dir.resolve("data");
        Map<String, Object> props = props(data, script, "restart-" + UUID.randomUUID());
        String id;
        long pid;
        try (EmbeddedServer first = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            ApplicationContext ctx = first.getApplicationContext();
            id = ctx.getBean(SubmissionService.class).receive(new ByteArrayInputStream(SubmissionHttp.jar("defense="
                    + SubmissionsTest.DEFENSE + " mode=hang-once")), "d.jar", "Team", "restart@example.org").id();
            SubmissionRepository repo = ctx.getBean(SubmissionRepository.class);
            await(repo, id, s -> SubmissionState.RUNNING.equals(s.status()) && Files.exists(dir.resolve("cli/pids")), "running");
            Thread.sleep(300); // the stand-in is in its sleep now
            pid = Long.parseLong(Files.readAllLines(dir.resolve("cli/pids")).get(0));
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        } // the server stops here
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stopping the server killed the run");

        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            SubmissionRepository repo = second.getApplicationContext().getBean(SubmissionRepository.class);
            SubmissionRecord s = await(repo, id, x -> SubmissionState.PENDING_REVIEW.equals(x.status()), "pending review");
            assertEquals(2, s.attempts(), "the interrupted attempt counts");
            assertTrue(s.runId() != null);
            List<String> runs = Files.readAllLines(dir.resolve("cli/runs.log"));
            assertEquals(2, runs.size());
            assertEquals(runs.get(0), runs.get(1), "the same description, so the same run id: the real CLI resumes its journal");
            String log = Files.readString(data.resolve("submissions").resolve(id).resolve("run.log"));
            assertTrue(log.contains("run attempt 1 of submission " + id) && log.contains("run attempt 2 of submission " + id), log);
        }
    }

    @Test
    void aRunInterruptedTooOftenFailsInsteadOfLoopingForever(@TempDir Path dir) throws Exception {
        Path script = StandInCli.write(dir.resolve("cli"), SubmissionsTest.DEFENSE);
        Map<String, Object> props = new java.util.HashMap<>(props(dir.resolve("data"), script, "restart-" + UUID.randomUUID()));
        props.put("purifybench.submissions.max-attempts", "2");
        String id;
        try (EmbeddedServer first = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            // as a server that died twice during this job leaves it
            SubmissionRepository repo = first.getApplicationContext().getBean(SubmissionRepository.class);
            id = first.getApplicationContext().getBean(SubmissionService.class).receive(new ByteArrayInputStream(SubmissionHttp.jar(
                    "defense=" + SubmissionsTest.DEFENSE + " mode=hang")), "d.jar", "Team", "often@example.org").id();
            await(repo, id, x -> SubmissionState.RUNNING.equals(x.status()), "running");
        }
        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            SubmissionRepository repo = second.getApplicationContext().getBean(SubmissionRepository.class);
            await(repo, id, x -> x.attempts() == 2 && SubmissionState.RUNNING.equals(x.status()), "running again");
        }
        try (EmbeddedServer third = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            SubmissionRepository repo = third.getApplicationContext().getBean(SubmissionRepository.class);
            SubmissionRecord s = await(repo, id, x -> SubmissionState.FAILED.equals(x.status()), "failed");
            assertEquals(2, s.attempts());
            assertTrue(s.message().startsWith("The run was interrupted 2 times"), s.message());
        }
    }
}
