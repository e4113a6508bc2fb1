package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.purifybench.web.submissions.SubmissionHttp.body;
import static org.purifybench.web.submissions.SubmissionHttp.jar;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.purifybench.web.store.RunRepository;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;

/**
 * Website submissions with a stand-in CLI ({@link StandInCli}, the real command's contract): upload,
 * admission refusal, queue, run, pending results, admin publish / reject / delete, a failing run, a
 * run over its time limit, the token, CSRF and size limits.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubmissionsTest implements TestPropertyProvider {
    static final String DEFENSE = "shrug-web";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Path root;
    private final Path data;
    private final Path script;

    @Inject @Client("/") HttpClient client;
    @Inject SubmissionRepository submissions;
    @Inject RunRepository runs;
    private SubmissionHttp web;

    SubmissionsTest() throws IOException {
        root = Files.createTempDirectory("pb-submissions-test");
        data = root.resolve("data");
        script = StandInCli.write(root.resolve("cli"), DEFENSE);
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", script.toString(),
                "purifybench.submissions.data-dir", data.toString(),
                "purifybench.submissions.poll-interval", "100ms",
                "purifybench.submissions.run-timeout", "4s",
                "purifybench.submissions.max-jar-bytes", "65536",
                "purifybench.submissions.max-queued-per-submitter", "2",
                // every upload here comes from 127.0.0.1: the per-address limit has a test of its own (SubmissionLimitsTest)
                "purifybench.submissions.max-uploads-per-hour-per-address", "1000");
    }

    @BeforeEach
    void http() {
        web = new SubmissionHttp(client);
    }

    @AfterAll
    void clean() {
        SubmissionService.deleteTree(root);
    }

    private String submit(String mode, String contact) {
        return web.submit("my-defense-1.0.jar", jar("defense=" + DEFENSE + " mode=" + mode), contact);
    }

    @Test
    void aRefusedJarShowsTheReasonAndTheFixAndNothingRuns() throws Exception {
        String link = submit("refuse", "refuse@example.org");
        String page = web.awaitStatus(link, "refused", WAIT);
        assertTrue(page.contains("Refused at admission: its entry &#39;../../evil.class&#39; is not a normalised relative name"
                + " - build the jar with the jar tool or Maven"), page);
        assertFalse(page.contains(data.toString()), "server paths are not shown");
        String id = SubmissionHttp.idOf(link);
        assertFalse(Files.exists(data.resolve("submissions").resolve(id).resolve("run.log")), "no run started");
        SubmissionRecord s = submissions.findById(id).orElseThrow();
        assertEquals(0, s.attempts());
        assertEquals(null, s.runId());
        // the jar is deleted at once; its hash, verdict and log stay
        Path dir = data.resolve("submissions").resolve(id);
        assertFalse(Files.exists(dir.resolve(SubmissionService.JAR)), "a refused jar is not kept");
        assertEquals(SubmissionService.sha256(jar("defense=" + DEFENSE + " mode=refuse")), s.jarSha256());
        assertTrue(s.message().contains("is not a normalised relative name"), s.message());
        assertTrue(Files.exists(dir.resolve("admit.json")) && Files.exists(dir.resolve("admit.log")), "the verdict and its log stay");
        assertTrue(page.contains(s.jarSha256()), "the status page still shows the jar's SHA-256");
    }

    @Test
    void aJarWithMoreThanTheDefenseIsRefusedByTheWebsitesRule() throws Exception {
        String page = web.awaitStatus(submit("two-plugins", "two@example.org"), "refused", WAIT);
        assertTrue(page.contains("the website runs jars with exactly one defense"), page);
        assertTrue(page.contains("attack &#39;sneaky&#39;"), page);
    }

    @Test
    void anAdmittedJarIsRunThenPendingThenPublishedByTheAdminOntoTheLeaderboard() throws Exception {
        assertFalse(body(web.send(HttpRequest.GET("/"))).contains(DEFENSE));
        String link = submit("ok", "ok@example.org");
        String id = SubmissionHttp.idOf(link);
        String page = web.awaitStatus(link, "pending_review", WAIT);
        assertTrue(page.contains("Pending review"), page);
        assertTrue(page.contains(DEFENSE + "</span> <span>0.9"), "the admitted defense and its version: " + page);
        SubmissionRecord s = submissions.findById(id).orElseThrow();
        assertTrue(s.runId().startsWith("quick-"), s.runId());
        assertEquals(1, s.attempts());
        assertTrue(s.startedAt() != null && s.finishedAt() != null && !s.finishedAt().isBefore(s.startedAt()));
        assertEquals("pending", runs.findByRunId(s.runId()).orElseThrow().status());
        assertTrue(Files.isRegularFile(data.resolve("submissions").resolve(id).resolve(SubmissionService.JAR)), "a jar with results is kept");
        // the stand-in checked the arguments; the description names the submission and the jar
        assertTrue(Files.readString(root.resolve("cli/runs.log")).contains("website submission " + id + ", jar sha256 " + s.jarSha256()));

        // The submitter sees the pending results; the public does not.
        assertTrue(page.contains("id=\"results-link\""), page);
        HttpResponse<String> results = web.send(HttpRequest.GET("/submissions/" + id + "/results?token=" + link.split("token=")[1]));
        assertEquals(200, results.code());
        assertTrue(body(results).contains(DEFENSE), body(results));
        assertEquals(404, web.send(HttpRequest.GET("/submissions/" + id + "/results")).code());
        assertEquals(404, web.send(HttpRequest.GET("/runs/" + s.runId())).code());
        assertFalse(body(web.send(HttpRequest.GET("/"))).contains(DEFENSE));

        // The admin sees it and publishes it.
        String admin = body(web.adminPage());
        assertTrue(admin.contains(id) && admin.contains("ok@example.org") && admin.contains("pending_review"), admin);
        assertEquals(403, web.send(HttpRequest.POST("/admin/submissions/" + id + "/publish",
                io.micronaut.http.client.multipart.MultipartBody.builder().addPart("x", "y").build())
                .contentType(io.micronaut.http.MediaType.MULTIPART_FORM_DATA_TYPE)
                .basicAuth(SubmissionHttp.ADMIN, SubmissionHttp.PASSWORD)).code(), "no CSRF token, no publishing");
        assertEquals("pending_review", submissions.findById(id).orElseThrow().status());
        HttpResponse<String> published = web.adminAction("/admin/submissions/" + id + "/publish", null);
        assertEquals(200, published.code(), body(published));
        assertTrue(body(published).contains("Published submission " + id), body(published));
        assertTrue(web.awaitStatus(link, "published", WAIT).contains("/runs/" + s.runId()));
        assertEquals(200, web.send(HttpRequest.GET("/runs/" + s.runId())).code());
        assertTrue(body(web.send(HttpRequest.GET("/"))).contains(DEFENSE), "on the leaderboard");
        assertEquals(409, web.adminAction("/admin/submissions/" + id + "/publish", null).code(), "published once");
    }

    @Test
    void aFailingRunShowsItsErrorAndTheEndOfItsLogWithoutServerPaths() throws Exception {
        String link = submit("fail", "fail@example.org");
        String page = web.awaitStatus(link, "failed", WAIT);
        assertTrue(page.contains("The run failed (exit code 1): defense &#39;" + DEFENSE + "&#39; failed in the sandbox"), page);
        assertTrue(page.contains("id=\"log\""), page);
        assertTrue(page.contains("loading plug-in jar &lt;data&gt;/submissions/"), "paths replaced by placeholders: " + page);
        assertFalse(page.contains(data.toString()), page);
        assertFalse(page.contains("\u001b"), "terminal escapes removed");
        assertTrue(page.contains("done"), "a progress line keeps its last state: " + page);
        assertFalse(page.contains("id=\"results-link\""));
        assertTrue(runs.findAll().stream().noneMatch(r -> r.runId().contains(SubmissionHttp.idOf(link))));
        String id = SubmissionHttp.idOf(link);
        assertFalse(Files.exists(data.resolve("submissions").resolve(id).resolve(SubmissionService.JAR)), "a failed run's jar is not kept");
        SubmissionRecord s = submissions.findById(id).orElseThrow();
        assertEquals(SubmissionService.sha256(jar("defense=" + DEFENSE + " mode=fail")), s.jarSha256());
        assertTrue(s.logTail().contains("boom"), "the log tail stays in the record: " + s.logTail());
    }

    @Test
    void resultsThatDoNotNameTheUploadedJarAreNotImported() throws Exception {
        long before = runs.count();
        String page = web.awaitStatus(submit("wrong-jar", "wrong@example.org"), "failed", WAIT);
        assertTrue(page.contains("The run&#39;s results are not this submission&#39;s: defense &#39;" + DEFENSE
                + "&#39; ran from a jar with SHA-256 0000"), page);
        assertEquals(before, runs.count(), "nothing imported");
    }

    @Test
    void aRunOverItsTimeLimitIsKilledWithItsChildrenAndFails() throws Exception {
        long before = pids().size();
        String link = submit("hang", "hang@example.org");
        String page = web.awaitStatus(link, "failed", WAIT);
        assertTrue(page.contains("The run took longer than the limit of 4 s and was stopped."), page);
        List<Long> pids = pids();
        assertEquals(before + 1, pids.size());
        long pid = pids.get(pids.size() - 1);
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the stand-in is gone");
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.parent().map(pp -> pp.pid() == pid).orElse(false)),
                "and its sleep child too");
    }

    private List<Long> pids() throws IOException {
        Path f = root.resolve("cli/pids");
        return Files.exists(f) ? Files.readAllLines(f).stream().map(Long::parseLong).toList() : List.of();
    }

    @Test
    void theStatusPageNeedsTheWholePrivateLink() throws Exception {
        String link = submit("refuse", "token@example.org");
        String id = SubmissionHttp.idOf(link);
        assertEquals(200, web.status(link).code());
        assertEquals(404, web.status("/submissions/" + id).code());
        assertEquals(404, web.status("/submissions/" + id + "?token=").code());
        assertEquals(404, web.status("/submissions/" + id + "?token=" + "A".repeat(43)).code());
        assertEquals(404, web.status("/submissions/0000000000000000?token=" + link.split("token=")[1]).code(), "another id");
        HttpResponse<String> r = web.status(link);
        assertEquals("no-store", r.getHeaders().get("Cache-Control"));
        assertEquals("no-referrer", r.getHeaders().get("Referrer-Policy"));
        assertFalse(submissions.findById(id).orElseThrow().tokenSha256().equals(link.split("token=")[1]), "only a hash is stored");
    }

    private long storedCount() {
        return submissions.count();
    }

    private List<Path> storedFiles() throws IOException {
        if (!Files.exists(data)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(data)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void uploadsNeedTheFormTokenASameSiteOriginAJarAndTheSizeLimit() throws Exception {
        web.awaitStatus(submit("refuse", "warmup@example.org"), "refused", WAIT); // the worker's folders exist now
        long count = storedCount();
        List<Path> files = storedFiles();
        byte[] ok = jar("defense=" + DEFENSE + " mode=ok");
        String[] t = web.formToken();
        assertEquals(403, web.send(web.upload("a.jar", ok, "n", "csrf@example.org", null)).code(), "no token");
        assertEquals(403, web.send(web.upload("a.jar", ok, "n", "csrf@example.org", new String[] {"forged", t[1]})).code());
        assertEquals(403, web.send(web.upload("a.jar", ok, "n", "csrf@example.org", t).header("Origin", "https://evil.example")).code());
        HttpResponse<String> notJar = web.send(web.upload("a.zip", ok, "n", "csrf@example.org", web.formToken()));
        assertEquals(400, notJar.code());
        assertTrue(body(notJar).contains("is not a .jar"), body(notJar));
        HttpResponse<String> noName = web.send(web.upload("a.jar", ok, " ", "csrf@example.org", web.formToken()));
        assertEquals(400, noName.code());
        assertEquals(400, web.send(web.upload("a.jar", new byte[0], "n", "csrf@example.org", web.formToken())).code());
        byte[] big = new byte[65537];
        HttpResponse<String> tooBig = web.send(web.upload("big.jar", big, "n", "csrf@example.org", web.formToken()));
        assertEquals(413, tooBig.code());
        assertTrue(body(tooBig).contains("larger than 65536 bytes, the limit admission sets"), body(tooBig));
        assertEquals(count, storedCount(), "nothing recorded");
        assertEquals(files, storedFiles(), "no file kept (not even a partial upload)");
    }

    @Test
    void aSubmitterHasAtMostTheConfiguredNumberOfUnfinishedSubmissions() {
        Instant now = Instant.now();
        // two runs in progress for this contact (running jobs are only picked up again at a restart)
        for (String id : List.of("aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2")) {
            submissions.save(new SubmissionRecord(id, "0".repeat(64), "n", "busy@example.org", "x.jar", "0".repeat(64), 1,
                    SubmissionState.RUNNING, null, null, DEFENSE, "1", "", null, 1, now, now, now, null));
        }
        try {
            HttpResponse<String> r = web.send(web.upload("a.jar", jar("defense=x mode=ok"), "n", "Busy@Example.org ", web.formToken()));
            assertEquals(429, r.code());
            assertTrue(body(r).contains("You have 2 submission(s) not finished yet (the limit is 2 per contact)"), body(r));
        } finally {
            submissions.deleteById("aaaaaaaaaaaaaaa1");
            submissions.deleteById("aaaaaaaaaaaaaaa2");
        }
    }

    @Test
    void theAdminRejectsWithAReasonTheSubmitterSeesAndDeletesWithTheFiles() throws Exception {
        String link = submit("ok", "reject@example.org");
        String id = SubmissionHttp.idOf(link);
        web.awaitStatus(link, "pending_review", WAIT);
        String runId = submissions.findById(id).orElseThrow().runId();
        assertTrue(runs.findByRunId(runId).isPresent());
        HttpResponse<String> rejected = web.adminAction("/admin/submissions/" + id + "/reject", "numbers <b>implausible</b>");
        assertEquals(200, rejected.code(), body(rejected));
        String page = web.awaitStatus(link, "rejected", WAIT);
        assertTrue(page.contains("rejected by an admin: numbers &lt;b&gt;implausible&lt;/b&gt;"), page);
        assertTrue(runs.findByRunId(runId).isEmpty(), "the pending results left the database");
        assertTrue(Files.isDirectory(data.resolve("submissions").resolve(id)));

        HttpResponse<String> deleted = web.adminAction("/admin/submissions/" + id + "/delete", null);
        assertEquals(200, deleted.code(), body(deleted));
        assertTrue(submissions.findById(id).isEmpty());
        assertFalse(Files.exists(data.resolve("submissions").resolve(id)), "its files are gone");
        assertEquals(404, web.status(link).code());
        assertEquals(404, web.adminAction("/admin/submissions/" + id + "/delete", null).code());
    }
}
