package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.importing.ResultsImporter;

/** Every public page and API endpoint over HTTP, with the numbers they must show. */
@MicronautTest(transactional = false)
class PagesTest {

    static final String TRACK = "dataset=fashion-mnist&model=cnn-small&rate=0.05";

    @Inject @Client("/") HttpClient http;
    @Inject ResultsImporter importer;
    @Inject DbState db;

    @BeforeEach
    void data() {
        db.clear();
        importer.importDocument(ResultsDocuments.run("run-1")
                .result("pam", "badnet", 0, 0.81, 0.034, 0.028).result("pam", "blended", 0, 0.83, 0.10, 0.146)
                .value("pam", "badnet", 0, "qra-p-asr", 0.035).value("pam", "blended", 0, "qra-p-asr", 0.109)
                .result("ft", "badnet", 0, 0.82, 0.924, 0.913).result("ft", "blended", 0, 0.84, 0.99, 0.946)
                .result("ep", "badnet", 0, 0.83, 0.004, 0.148).result("ep", "blended", 0, 0.83, 0.058, 0.408)
                .result("none", "badnet", 0, 0.82, 0.97, 0.97).result("none", "blended", 0, 0.82, 0.99, 0.99).bytes(), true);
        importer.importDocument(ResultsDocuments.run("run-hidden").track("cifar-10", "resnet-18", 0.1)
                .result("secret", "badnet", 0, 0.9, 0.1, 0.1).bytes(), false);
    }

    private String get(String uri) {
        HttpResponse<String> r = http.toBlocking().exchange(HttpRequest.GET(uri), String.class);
        assertEquals(200, r.code(), uri);
        return r.body();
    }

    private int status(String uri) {
        try {
            return http.toBlocking().exchange(HttpRequest.GET(uri), String.class).code();
        } catch (HttpClientResponseException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void leaderboardRanksPublishedDefensesAndMarksTheOthers() {
        String page = get("/");
        // pam: P-ASR (2.8 + 14.6) / 2 = 8.7
        assertTrue(page.contains("fashion-mnist / cnn-small / 5% poisoned"), page);
        int pam = page.indexOf("data-defense=\"pam\"");
        int ft = page.indexOf("data-defense=\"ft\"");
        int ep = page.indexOf("data-defense=\"ep\"");
        assertTrue(pam > 0 && pam < ft && ft < ep, "order pam, ft, then the oracle");
        String pamRow = page.substring(pam, ft);
        assertTrue(pamRow.contains(">1<"), pamRow);
        assertTrue(pamRow.contains(">8.7<"), pamRow);
        assertTrue(pamRow.contains(">7.2<"), pamRow); // QRA P-ASR (3.5 + 10.9) / 2
        assertTrue(page.substring(ep).contains("oracle"));
        assertFalse(page.contains("secret"), "a pending run must not show");
        assertFalse(page.contains("<script"), "the site has no script at all");
    }

    @Test
    void sortAndFilterLinksWorkWithoutJavaScript() {
        String page = get("/?" + TRACK + "&sort=p-asr&dir=desc");
        assertTrue(page.indexOf("data-defense=\"none\"") < page.indexOf("data-defense=\"pam\""));
        assertTrue(page.contains("sort=p-asr&amp;dir=asc"), "clicking the active column reverses it");
        String badnetOnly = get("/?" + TRACK + "&attack=badnet");
        int pam = badnetOnly.indexOf("data-defense=\"pam\"");
        assertTrue(badnetOnly.substring(pam, pam + 1500).contains(">2.8<"), "badnet only: P-ASR 2.8");
        assertTrue(badnetOnly.contains("attack=badnet"), "sort links keep the filter");
    }

    @Test
    void defensePageShowsPerAttackNumbersQraLmcAndProvenance() {
        String page = get("/defenses/pam?" + TRACK);
        assertTrue(page.contains("id=\"per-attack\""));
        assertTrue(page.contains(">14.6<"), "blended P-ASR");
        assertTrue(page.contains("id=\"qra\"") && page.contains(">10.9<"));
        assertTrue(page.contains("/charts/lmc/pam.svg?"));
        assertTrue(page.contains("run-1") && page.contains("cfg-run-1") && page.contains("0.1.0-SNAPSHOT+test"));
        assertTrue(page.contains("test cpu, 2 cores, cpu"));
        assertTrue(page.contains("Rank <strong>1</strong>"));
        String svg = get("/charts/lmc/pam.svg?" + TRACK);
        assertTrue(svg.contains("<svg"), svg.substring(0, Math.min(200, svg.length())));
        assertEquals(404, status("/defenses/nobody?" + TRACK));
        assertEquals(404, status("/charts/lmc/none.svg?" + TRACK)); // references have no LMC curve here
        assertEquals(404, status("/charts/lmc/pam.svg?path=ep&" + TRACK)); // this document has no purified -> EP walk
        assertEquals(400, status("/charts/lmc/pam.svg?path=sideways&" + TRACK));
        assertFalse(page.contains("id=\"lmc-ep\""));
    }

    @Test
    void runAndAboutPages() {
        assertTrue(get("/runs").contains("run-1"));
        assertFalse(get("/runs").contains("run-hidden"));
        String run = get("/runs/run-1");
        assertTrue(run.contains("cfg-run-1") && run.contains("test document: numbers chosen by the test"));
        assertTrue(run.contains("phase defenses"));
        assertEquals(404, status("/runs/run-hidden"));
        String about = get("/about");
        for (String term : new String[] {"O-ASR", "P-ASR", "C-Acc", "Retuning Attack", "QRA", "linear mode connectivity"}) {
            assertTrue(about.contains(term), term);
        }
    }

    @Test
    void badQueriesAnswer400Or404WithTheReason() {
        HttpClientResponseException e = org.junit.jupiter.api.Assertions.assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.GET("/?sort=speed"), String.class));
        assertEquals(400, e.getStatus().getCode());
        assertTrue(e.getResponse().getBody(String.class).orElse("").contains("unknown sort"));
        assertEquals(400, status("/?dataset=fashion-mnist&model=cnn-small&rate=lots"));
        assertEquals(400, status("/?dataset=fashion-mnist"));
        assertEquals(404, status("/?dataset=fashion-mnist&model=cnn-small&rate=0.2"));
        assertEquals(404, status("/api/leaderboard?dataset=x&model=y&rate=0.1"));
        assertEquals(400, status("/api/leaderboard?sort=speed"));
        assertEquals(404, status("/no/such/page"), "an unknown URL is not a login prompt");
    }

    @Test
    void jsonApiServesTheSameNumbers() {
        JsonNode tracks = http.toBlocking().retrieve(HttpRequest.GET("/api/tracks"), JsonNode.class);
        assertEquals(1, tracks.size());
        assertEquals("cnn-small", tracks.get(0).get("model").asText());
        JsonNode lb = http.toBlocking().retrieve(HttpRequest.GET("/api/leaderboard?" + TRACK), JsonNode.class);
        JsonNode first = lb.get("standings").get(0);
        assertEquals("pam", first.get("defense").asText());
        assertEquals(1, first.get("rank").asInt());
        assertEquals((0.028 + 0.146) / 2, first.get("metrics").get("p-asr").get("mean").asDouble(), 1e-12);
        JsonNode d = http.toBlocking().retrieve(HttpRequest.GET("/api/defenses/ep?" + TRACK), JsonNode.class);
        assertEquals("ORACLE", d.get("role").asText());
        JsonNode runs = http.toBlocking().retrieve(HttpRequest.GET("/api/runs"), JsonNode.class);
        assertEquals(1, runs.size());
        JsonNode run = http.toBlocking().retrieve(HttpRequest.GET("/api/runs/run-1"), JsonNode.class);
        // 4 defenses x 2 attacks x (c-acc, asr, p-asr, p-c-acc) + 2 QRA rows
        assertEquals(4 * 2 * 4 + 2, run.get("summary").get("rows").asInt());
        assertEquals("published", run.get("summary").get("status").asText());
        assertEquals("standard", run.get("config").get("profile").asText(), "the whole configuration is in the API");
        assertTrue(get("/runs/run-1").contains("id=\"config\""));
        assertEquals(404, status("/api/runs/run-hidden"));
    }

    @Test
    void theRunPageAndTheApiShowFailedUnits() {
        importer.importDocument(ResultsDocuments.run("run-failing").result("ft", "badnet", 0, 0.82, 0.924, 0.913)
                .failure("pam", null, "badnet", 0, "invalid-output", "defense 'pam' from pam.jar returned invalid output from the sandbox",
                        "sandbox: running defense 'pam'", "  [sandbox] <b>not bold</b>")
                .failure("ft", "qra", "badnet", 0, "error", "evaluator 'qra' threw java.lang.IllegalStateException: boom").bytes(), true);
        String page = get("/runs/run-failing");
        String section = page.substring(page.indexOf("<h2>Failed units</h2>"));
        assertTrue(section.contains("id=\"failures\""), section);
        assertTrue(section.contains("<td>pam</td>") && section.contains("(the defense failed)") && section.contains("invalid-output"),
                section);
        assertTrue(section.contains("defense &#39;pam&#39; from pam.jar returned invalid output from the sandbox")
                || section.contains("defense 'pam' from pam.jar returned invalid output from the sandbox"), section);
        assertTrue(section.contains("sandbox: running defense") && section.contains("[sandbox] &lt;b&gt;not bold&lt;/b&gt;"),
                "the log lines, escaped: " + section);
        assertTrue(section.contains("<td>qra</td>") && section.contains("<td>error</td>"), section);
        assertTrue(get("/runs/run-1").contains("<h2>Failed units</h2>\n  <p>None recorded.</p>"), "a document without failures");

        JsonNode run = http.toBlocking().retrieve(HttpRequest.GET("/api/runs/run-failing"), JsonNode.class);
        JsonNode failures = run.get("failures");
        assertEquals(2, failures.size(), run.toString());
        assertEquals("pam", failures.get(0).get("defense").asText());
        assertTrue(failures.get(0).get("evaluator") == null || failures.get(0).get("evaluator").isNull(), failures.get(0).toString());
        assertEquals("invalid-output", failures.get(0).get("status").asText());
        assertEquals("  [sandbox] <b>not bold</b>", failures.get(0).get("logTail").get(1).asText());
        assertEquals("qra", failures.get(1).get("evaluator").asText());
        assertEquals("badnet", run.get("cells").get(0).get("attack").asText());
        assertEquals(0, http.toBlocking().retrieve(HttpRequest.GET("/api/runs/run-1"), JsonNode.class).get("failures").size());
    }

    @Test
    void everyResponseForbidsScriptsAndFraming() {
        HttpResponse<String> r = http.toBlocking().exchange(HttpRequest.GET("/"), String.class);
        assertTrue(r.header("Content-Security-Policy").contains("script-src 'none'"));
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertEquals("DENY", r.header("X-Frame-Options"));
    }
}
