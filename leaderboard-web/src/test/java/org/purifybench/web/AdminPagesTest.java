package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;
import org.purifybench.web.submissions.SubmissionState;

/**
 * The admin's preview of pending runs (admin only; the public pages still hide them) and the
 * script-free confirmation step before a delete (its GET deletes nothing).
 */
@MicronautTest(transactional = false)
class AdminPagesTest {
    private static final String DEFENSE = "preview-defense";

    @Inject @Client("/") HttpClient http;
    @Inject DbState db;
    @Inject SubmissionRepository submissions;

    @BeforeEach
    void empty() {
        db.clear();
        submissions.deleteAll();
    }

    private HttpResponse<String> send(HttpRequest<?> request) {
        return Exchanges.send(http, request);
    }

    private static String body(HttpResponse<String> r) {
        return r.getBody(String.class).orElse("");
    }

    private static <T> MutableHttpRequest<T> admin(MutableHttpRequest<T> r) {
        return r.basicAuth(AdminTest.USER, AdminTest.PASSWORD);
    }

    private void importPending(String runId) {
        String doc = ResultsDocuments.run(runId).result(DEFENSE, "badnet", 0, 0.81, 0.125, 0.25)
                .result(DEFENSE, "badnet", 1, 0.83, 0.375, 0.5).json();
        assertEquals(201, send(admin(HttpRequest.POST("/api/admin/runs", doc).contentType(MediaType.APPLICATION_JSON_TYPE))).code());
    }

    @Test
    void aPendingRunIsPreviewedByTheAdminOnlyAndStaysOffThePublicPages() {
        importPending("pending-run");
        assertEquals(404, send(HttpRequest.GET("/runs/pending-run")).code());
        assertFalse(body(send(HttpRequest.GET("/runs"))).contains("pending-run"));
        assertFalse(body(send(HttpRequest.GET("/"))).contains(DEFENSE));
        assertEquals(404, send(HttpRequest.GET("/api/runs/pending-run")).code());
        assertEquals(401, send(HttpRequest.GET("/admin/runs/pending-run")).code(), "the preview needs the admin's password");

        String adminPage = body(send(admin(HttpRequest.GET("/admin"))));
        assertTrue(adminPage.contains("href=\"/admin/runs/pending-run\""), "the admin page links the preview: " + adminPage);
        HttpResponse<String> preview = send(admin(HttpRequest.GET("/admin/runs/pending-run")));
        assertEquals(200, preview.code(), body(preview));
        String page = body(preview);
        assertTrue(page.contains("id=\"preview-note\""), page);
        assertTrue(page.contains("(pending)"), page);
        assertTrue(page.contains(DEFENSE), page);
        // its own numbers, averaged over its two seeds: O-ASR (0.125 + 0.375) / 2, P-ASR (0.25 + 0.5) / 2
        assertTrue(page.contains("<td>asr</td><td class=\"num\">0.2500</td><td class=\"num\">2</td>"), page);
        assertTrue(page.contains("<td>p-asr</td><td class=\"num\">0.3750</td><td class=\"num\">2</td>"), page);
        assertEquals("no-store", preview.getHeaders().get("Cache-Control"));
        assertEquals(404, send(admin(HttpRequest.GET("/admin/runs/no-such-run"))).code());
    }

    /** The token and cookie of a page's form. */
    private static String[] token(HttpResponse<String> page) {
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(body(page));
        assertTrue(m.find(), "the page carries a CSRF token: " + body(page));
        return new String[] {m.group(1), page.getCookie("pb_csrf").orElseThrow().getValue()};
    }

    @Test
    void deletingARunTakesAConfirmationPageWhoseGetDeletesNothing() {
        importPending("doomed");
        Map<String, Long> before = db.counts();
        String adminPage = body(send(admin(HttpRequest.GET("/admin"))));
        assertTrue(adminPage.contains("<form method=\"get\" action=\"/admin/runs/doomed/delete\">"), adminPage);
        assertFalse(adminPage.contains("method=\"post\" enctype=\"multipart/form-data\" action=\"/admin/runs/doomed/delete\""),
                "the admin page has no one-click delete");

        HttpResponse<String> confirm = send(admin(HttpRequest.GET("/admin/runs/doomed/delete")));
        assertEquals(200, confirm.code(), body(confirm));
        String page = body(confirm);
        assertTrue(page.contains("id=\"confirm-id\">doomed<"), page);
        assertTrue(page.contains(before.get("result_rows") + " result rows"), page);
        assertTrue(page.contains("action=\"/admin/runs/doomed/delete\""), page);
        assertEquals(before, db.counts(), "the confirmation page deleted nothing");
        assertEquals(401, send(HttpRequest.GET("/admin/runs/doomed/delete")).code(), "admin only");
        assertEquals(404, send(admin(HttpRequest.GET("/admin/runs/nothing/delete"))).code());

        String[] t = token(confirm);
        HttpResponse<String> deleted = send(admin(HttpRequest.POST("/admin/runs/doomed/delete",
                MultipartBody.builder().addPart("_csrf", t[0]).build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE))
                .cookie(Cookie.of("pb_csrf", t[1])));
        assertEquals(200, deleted.code(), body(deleted));
        assertTrue(body(deleted).contains("Deleted doomed"), body(deleted));
        assertEquals(0L, db.counts().get("runs"));
    }

    @Test
    void deletingASubmissionTakesAConfirmationPageToo() {
        importPending("sub-run");
        Instant now = Instant.now();
        submissions.save(new SubmissionRecord("bbbbbbbbbbbbbbb1", "0".repeat(64), "Team <b>X</b>", "x@example.org", "x.jar",
                "0".repeat(64), 10, SubmissionState.PENDING_REVIEW, null, null, DEFENSE, "1", "", "sub-run", 1, now, now, now, now));
        String adminPage = body(send(admin(HttpRequest.GET("/admin"))));
        assertTrue(Pattern.compile("<form method=\"get\"\\s+action=\"/admin/submissions/bbbbbbbbbbbbbbb1/delete\">").matcher(adminPage).find(),
                adminPage);
        assertTrue(adminPage.contains("href=\"/admin/runs/sub-run\""), "the submission's pending run is linked to its preview");

        HttpResponse<String> confirm = send(admin(HttpRequest.GET("/admin/submissions/bbbbbbbbbbbbbbb1/delete")));
        assertEquals(200, confirm.code(), body(confirm));
        String page = body(confirm);
        assertTrue(page.contains("Team &lt;b&gt;X&lt;/b&gt;"), "escaped: " + page);
        assertTrue(page.contains("Its run sub-run (pending, 8 result rows) leaves the database"), page);
        assertTrue(submissions.findById("bbbbbbbbbbbbbbb1").isPresent(), "the confirmation page deleted nothing");
        assertEquals(1L, db.counts().get("runs"));
        assertEquals(404, send(admin(HttpRequest.GET("/admin/submissions/0000000000000000/delete"))).code());
    }
}
