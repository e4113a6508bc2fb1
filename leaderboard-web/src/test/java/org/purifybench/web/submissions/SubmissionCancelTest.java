package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.purifybench.web.submissions.SubmissionHttp.body;
import static org.purifybench.web.submissions.SubmissionHttp.jar;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;

/**
 * An admin cancels unfinished submissions: a queued one leaves the queue and never runs; a running
 * one has its whole process tree killed (the stand-in CLI and the sleep it started). Both end
 * {@code cancelled}, their jars deleted, their records kept. The run limit here is long, so only
 * the cancel can end the hanging run.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubmissionCancelTest implements TestPropertyProvider {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DEFENSE = SubmissionsTest.DEFENSE;

    private final Path root;
    private final Path data;
    private final Path script;

    @Inject @Client("/") HttpClient client;
    @Inject SubmissionRepository submissions;

    SubmissionCancelTest() throws IOException {
        root = Files.createTempDirectory("pb-cancel-test");
        data = root.resolve("data");
        script = StandInCli.write(root.resolve("cli"), DEFENSE);
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", script.toString(),
                "purifybench.submissions.data-dir", data.toString(),
                "purifybench.submissions.poll-interval", "100ms",
                "purifybench.submissions.run-timeout", "10m",
                "purifybench.submissions.workers", "1");
    }

    @AfterAll
    void clean() {
        SubmissionService.deleteTree(root);
    }

    private SubmissionRecord await(String id, String state) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        SubmissionRecord s = null;
        while (System.nanoTime() < end) {
            s = submissions.findById(id).orElseThrow();
            if (state.equals(s.status())) {
                return s;
            }
            Thread.sleep(100);
        }
        fail("submission " + id + " never became " + state + "; last: " + s);
        return null;
    }

    private List<Long> pids() throws IOException {
        Path f = root.resolve("cli/pids");
        return Files.exists(f) ? Files.readAllLines(f).stream().map(Long::parseLong).toList() : List.of();
    }

    private Path jarOf(String id) {
        return data.resolve("submissions").resolve(id).resolve(SubmissionService.JAR);
    }

    @Test
    void aQueuedSubmissionLeavesTheQueueAndARunningOneHasItsProcessTreeKilled() throws Exception {
        SubmissionHttp web = new SubmissionHttp(client);
        String running = SubmissionHttp.idOf(web.submit("hang.jar", jar("defense=" + DEFENSE + " mode=hang"), "hang@example.org"));
        await(running, SubmissionState.RUNNING);
        long end = System.nanoTime() + WAIT.toNanos();
        while (pids().isEmpty() || ProcessHandle.of(pids().get(0)).map(p -> p.children().count()).orElse(0L) == 0) {
            if (System.nanoTime() > end) {
                fail("the stand-in never started its sleep; pids " + pids());
            }
            Thread.sleep(100);
        }
        long pid = pids().get(0);
        ProcessHandle sleep = ProcessHandle.of(pid).orElseThrow().children().findFirst().orElseThrow();
        // one worker, busy: the next admitted submission waits in the queue
        String queuedLink = web.submit("ok.jar", jar("defense=" + DEFENSE + " mode=ok"), "ok@example.org");
        String queued = SubmissionHttp.idOf(queuedLink);
        await(queued, SubmissionState.QUEUED);
        assertTrue(Files.exists(jarOf(queued)));

        // without the form's token nothing happens
        HttpResponse<String> forged = web.send(HttpRequest.POST("/admin/submissions/" + running + "/cancel",
                MultipartBody.builder().addPart("x", "y").build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE)
                .basicAuth(SubmissionHttp.ADMIN, SubmissionHttp.PASSWORD));
        assertEquals(403, forged.code());
        assertEquals(SubmissionState.RUNNING, submissions.findById(running).orElseThrow().status());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        HttpResponse<String> cancelQueued = web.adminAction("/admin/submissions/" + queued + "/cancel", null);
        assertEquals(200, cancelQueued.code(), body(cancelQueued));
        assertTrue(body(cancelQueued).contains("Cancelled submission " + queued), body(cancelQueued));
        SubmissionRecord q = submissions.findById(queued).orElseThrow();
        assertEquals(SubmissionState.CANCELLED, q.status());
        assertFalse(Files.exists(jarOf(queued)), "a cancelled submission's jar is deleted");
        assertEquals(SubmissionService.sha256(jar("defense=" + DEFENSE + " mode=ok")), q.jarSha256(), "its hash stays");
        assertTrue(web.status(queuedLink).getBody(String.class).orElse("").contains("Cancelled by an admin"));

        HttpResponse<String> cancelRunning = web.adminAction("/admin/submissions/" + running + "/cancel", null);
        assertEquals(200, cancelRunning.code(), body(cancelRunning));
        assertTrue(body(cancelRunning).contains("Cancelled submission " + running + " (its running process tree was killed)"),
                body(cancelRunning));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the stand-in is gone");
        long gone = System.nanoTime() + WAIT.toNanos();
        while (sleep.isAlive() && System.nanoTime() < gone) { // killed, possibly not yet reaped
            Thread.sleep(100);
        }
        assertFalse(sleep.isAlive(), "and the sleep it started");
        assertEquals(SubmissionState.CANCELLED, submissions.findById(running).orElseThrow().status());
        assertFalse(Files.exists(jarOf(running)));
        assertEquals(409, web.adminAction("/admin/submissions/" + running + "/cancel", null).code(), "cancelled once");

        // the worker is free again, and does not take the cancelled queued job
        Thread.sleep(500);
        List<String> started = Files.readAllLines(root.resolve("cli/runs.log"));
        assertEquals(1, started.size(), "only the hanging run ever started: " + started);
        assertTrue(started.get(0).contains(running));
        assertEquals(SubmissionState.CANCELLED, submissions.findById(queued).orElseThrow().status());
        Path log = data.resolve("submissions").resolve(running).resolve("run.log");
        long logged = System.nanoTime() + WAIT.toNanos();
        while (!Files.readString(log).contains("cancelled by an admin") && System.nanoTime() < logged) {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(log).contains("cancelled by an admin"), "the run log says why it ended");
    }
}
