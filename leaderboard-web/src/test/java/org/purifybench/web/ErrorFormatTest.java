package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.Property;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.http.ApiError;
import org.purifybench.web.http.SiteErrors;
import org.purifybench.web.importing.ResultsImporter;
import org.slf4j.LoggerFactory;

/**
 * One error format everywhere: the error page for pages (and charts, admin forms), {"status", "error"}
 * JSON for /api, for every status a client can cause; bad query values never reach the code as a 500.
 * The limits are small here (40,000-byte documents, 100,000-byte requests) so a test can pass them.
 */
@MicronautTest(transactional = false)
@Property(name = "purifybench.import.max-bytes", value = "40000")
@Property(name = "micronaut.server.max-request-size", value = "100000")
class ErrorFormatTest {

    static final String USER = "admin";
    static final String PASSWORD = "test-admin-password";
    static final String TRACK = "dataset=fashion-mnist&model=cnn-small";

    @Inject @Client("/") HttpClient http;
    @Inject ResultsImporter importer;
    @Inject DbState db;
    @Inject SiteErrors errors;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void data() {
        db.clear();
        importer.importDocument(ResultsDocuments.run("run-1").result("pam", "badnet", 0, 0.81, 0.034, 0.028)
                .result("none", "badnet", 0, 0.82, 0.97, 0.97).bytes(), true);
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void stopListening() {
        root.detachAppender(log);
        log.stop();
    }

    /** Errors the server logged while the test ran (a 500 logs its stack trace at ERROR). */
    private List<String> loggedErrors() {
        List<String> out = new ArrayList<>();
        for (Iterator<ILoggingEvent> it = List.copyOf(log.list).iterator(); it.hasNext(); ) {
            ILoggingEvent e = it.next();
            if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                out.add(e.getLoggerName() + ": " + e.getFormattedMessage());
            }
        }
        return out;
    }

    private HttpResponse<String> send(HttpRequest<?> request) {
        return Exchanges.send(http, request);
    }

    private static <T> MutableHttpRequest<T> admin(MutableHttpRequest<T> r) {
        return r.basicAuth(USER, PASSWORD);
    }

    private static String body(HttpResponse<String> r) {
        return r.getBody(String.class).orElse("");
    }

    /** The site's error page: the status, the reason, the site's navigation; no stack trace. */
    static String assertPage(HttpResponse<String> r, int status, String what) {
        String page = body(r);
        assertEquals(status, r.code(), what + ": " + page);
        assertTrue(r.getContentType().map(t -> t.matches(MediaType.TEXT_HTML_TYPE)).orElse(false),
                what + ": content type " + r.getContentType());
        assertTrue(page.contains("<h1>Error " + status + "</h1>"), what + ": " + page);
        assertTrue(page.contains("class=\"error\""), what + ": the reason is shown: " + page);
        assertTrue(page.contains("href=\"/runs\""), what + ": the site's page, with its navigation: " + page);
        assertFalse(page.contains("Exception") || page.contains("\tat ") || page.contains("_embedded"), what + ": " + page);
        List<String> csp = r.getHeaders().getAll("Content-Security-Policy");
        assertTrue(csp.size() == 1 && csp.get(0).contains("script-src 'none'"), what + ": one CSP, no script: " + csp);
        return page;
    }

    /** The API's error: exactly {"status": N, "error": "..."}. */
    static String assertJson(HttpResponse<String> r, int status, String what) {
        String text = body(r);
        assertEquals(status, r.code(), what + ": " + text);
        assertTrue(r.getContentType().map(t -> t.matches(MediaType.APPLICATION_JSON_TYPE)).orElse(false),
                what + ": content type " + r.getContentType());
        JsonNode json;
        try {
            json = ResultsDocuments.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(what + ": not JSON: " + text, e);
        }
        assertEquals(status, json.path("status").asInt(), what + ": " + text);
        assertFalse(json.path("error").asText().isBlank(), what + ": " + text);
        assertEquals(2, json.size(), what + ": only status and error: " + text);
        assertFalse(text.contains("Exception") || text.contains("\\tat "), what + ": " + text);
        return json.path("error").asText();
    }

    @Test
    void nonFiniteOrOutOfRangeRatesAre400InTheSiteFormatOnEveryUrl() {
        String[] pages = {"/", "/defenses/pam", "/charts/lmc/pam.svg"};
        String[] apis = {"/api/leaderboard", "/api/defenses/pam"};
        String[] bad = {"NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "1e400", "-1e400", "1e99999999999", "-1", "2",
                "1.0000001", "-0.0001", "0x1p-4", "0.05d", "0.05f", " 0.05", "", "lots"};
        for (String value : bad) {
            String query = "?" + TRACK + "&rate=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
            for (String p : pages) {
                String page = assertPage(send(HttpRequest.GET(p + query)), 400, p + query);
                assertTrue(page.contains("rate"), p + query + ": " + page);
            }
            for (String a : apis) {
                assertTrue(assertJson(send(HttpRequest.GET(a + query)), 400, a + query).contains("rate '"), a + query);
            }
        }
        assertEquals(List.of(), loggedErrors(), "bad queries are the client's error, not the server's");
        // The ends of the range are rates (nothing published there: 404), and the real track still answers.
        assertJson(send(HttpRequest.GET("/api/leaderboard?" + TRACK + "&rate=0")), 404, "rate=0");
        assertJson(send(HttpRequest.GET("/api/leaderboard?" + TRACK + "&rate=1")), 404, "rate=1");
        assertPage(send(HttpRequest.GET("/defenses/pam?" + TRACK + "&rate=1e0")), 404, "rate=1e0");
        assertEquals(200, send(HttpRequest.GET("/api/leaderboard?" + TRACK + "&rate=5e-2")).code());
        assertEquals(200, send(HttpRequest.GET("/charts/lmc/pam.svg?" + TRACK + "&rate=0.050")).code());
    }

    @Test
    void otherBadQueriesAndMissingBodiesAre400() {
        assertTrue(assertPage(send(HttpRequest.GET("/?sort=speed")), 400, "page sort").contains("unknown sort"));
        assertTrue(assertJson(send(HttpRequest.GET("/api/leaderboard?sort=speed")), 400, "api sort").contains("unknown sort"));
        assertPage(send(HttpRequest.GET("/charts/lmc/pam.svg?path=sideways&" + TRACK + "&rate=0.05")), 400, "chart path");
        assertJson(send(HttpRequest.GET("/api/leaderboard?dataset=fashion-mnist")), 400, "api partial track");
        // A parameter Micronaut converts (a boolean) and a missing body: Micronaut's own 400s, in the site's format.
        String publish = assertJson(send(admin(HttpRequest.POST("/api/admin/runs?publish=maybe",
                ResultsDocuments.run("r").result("pam", "badnet", 0, 0.8, 0.1, 0.1).json())
                .contentType(MediaType.APPLICATION_JSON_TYPE))), 400, "publish=maybe");
        assertTrue(publish.contains("publish"), publish);
        assertTrue(assertJson(send(admin(HttpRequest.POST("/api/admin/runs", "").contentType(MediaType.APPLICATION_JSON_TYPE))),
                400, "empty body").contains("the request has no body"));
        assertPage(send(admin(HttpRequest.POST("/admin/import", MultipartBody.builder().addPart("publish", "true").build())
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE))), 400, "form without its file");
        assertEquals(List.of(), loggedErrors());
    }

    @Test
    void notFoundAndWrongMethodOrContentType() {
        assertTrue(assertPage(send(HttpRequest.GET("/no/such/page")), 404, "page").contains("nothing at /no/such/page"));
        assertJson(send(HttpRequest.GET("/api/no/such")), 404, "api");
        assertPage(send(HttpRequest.GET("/static/none.css")), 404, "static");
        assertPage(send(HttpRequest.GET("/defenses/nobody?" + TRACK + "&rate=0.05")), 404, "page, unknown defense");
        assertPage(send(HttpRequest.GET("/charts/lmc/nobody.svg?" + TRACK + "&rate=0.05")), 404, "chart, unknown defense");
        assertJson(send(HttpRequest.GET("/api/runs/nope")), 404, "api, unknown run");

        assertTrue(assertPage(send(HttpRequest.POST("/about", "x")), 405, "page").contains("use GET"));
        assertTrue(assertJson(send(HttpRequest.POST("/api/tracks", "x")), 405, "api").contains("use GET"));

        String form = assertPage(send(admin(HttpRequest.POST("/admin/import", "x").contentType(MediaType.TEXT_PLAIN_TYPE))),
                415, "admin form as text/plain");
        assertTrue(form.contains("multipart/form-data"), form);
        String api = assertJson(send(admin(HttpRequest.POST("/api/admin/runs", "{}").contentType(MediaType.TEXT_PLAIN_TYPE))),
                415, "api import as text/plain");
        assertTrue(api.contains("application/json"), api);
        assertEquals(List.of(), loggedErrors());
    }

    @Test
    void authenticationAndInternalErrors() {
        HttpResponse<String> page = send(HttpRequest.GET("/admin"));
        assertPage(page, 401, "admin page without login");
        assertTrue(page.getHeaders().contains("WWW-Authenticate"), "the browser still asks for the password");
        assertJson(send(HttpRequest.DELETE("/api/admin/runs/run-1")), 401, "admin API without login");
        // A foreign Origin: Micronaut's CORS filter refuses it first when the server is reached as localhost (its
        // bare 403 gets the site's format too), the site's own check (SecurityHeadersFilter) for any other Host.
        assertJson(send(admin(HttpRequest.DELETE("/api/admin/runs/run-1")).header("Origin", "https://evil.example")), 403,
                "admin API from another site, localhost");
        assertPage(send(admin(HttpRequest.POST("/admin/runs/run-1/delete", MultipartBody.builder().addPart("x", "y").build())
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE)).header("Origin", "https://evil.example")), 403,
                "admin form from another site, localhost");
        assertJson(send(admin(HttpRequest.DELETE("/api/admin/runs/run-1")).header("Host", "leaderboard.example")
                .header("Origin", "https://evil.example")), 403, "admin API from another site");
        assertPage(send(admin(HttpRequest.POST("/admin/runs/run-1/delete", MultipartBody.builder().addPart("x", "y").build())
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE)).header("Host", "leaderboard.example")
                .header("Origin", "https://evil.example")), 403, "admin form from another site");
        assertEquals(1L, db.counts().get("runs"));
        // A 500 tells the client nothing about the exception (the server logs it).
        MutableHttpResponse<Object> api = errors.processResponse(ErrorContext.builder(HttpRequest.GET("/api/tracks"))
                .cause(new IllegalStateException("secret detail")).errorMessage("Internal Server Error: secret detail").build(),
                HttpResponse.serverError());
        assertEquals(new ApiError(500, "internal error - the server's log has the details"), api.body());
        MutableHttpResponse<Object> html = errors.processResponse(ErrorContext.builder(HttpRequest.GET("/"))
                .cause(new IllegalStateException("secret detail")).errorMessage("Internal Server Error: secret detail").build(),
                HttpResponse.serverError());
        assertTrue(html.body() instanceof String s && s.contains("Error 500") && !s.contains("secret"), String.valueOf(html.body()));
    }

    @Test
    void longUrlsAre414() {
        String filler = "a".repeat(9000);
        assertTrue(assertPage(send(HttpRequest.GET("/?q=" + filler)), 414, "page").contains("8192"));
        assertJson(send(HttpRequest.GET("/api/leaderboard?q=" + filler)), 414, "api");
        // Beyond Netty's own limit the URL is gone before routing: still 414, on the error page.
        assertPage(send(HttpRequest.GET("/api/leaderboard?q=" + "a".repeat(20000))), 414, "past netty's limit");
        // Headers over Netty's limit (8 KiB): 431, not 413.
        assertPage(send(HttpRequest.GET("/").header("X-Filler", "b".repeat(10000))), 431, "huge header");
        assertEquals(List.of(), loggedErrors());
    }

    /** A valid document padded with trailing blanks (still the same JSON) to exactly this many bytes. */
    static String documentOfSize(String runId, int bytes) {
        String json = ResultsDocuments.run(runId).result("pam", "badnet", 0, 0.8, 0.1, 0.1).json();
        assertTrue(json.length() < bytes);
        return json + " ".repeat(bytes - json.getBytes(StandardCharsets.UTF_8).length);
    }

    private MutableHttpRequest<MultipartBody> form(String json) {
        HttpResponse<String> adminPage = send(admin(HttpRequest.GET("/admin")));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(body(adminPage));
        assertTrue(m.find(), body(adminPage));
        String[] t = {m.group(1), adminPage.getCookie("pb_csrf").orElseThrow().getValue()};
        return admin(HttpRequest.POST("/admin/import", MultipartBody.builder()
                .addPart("file", "results.json", MediaType.APPLICATION_JSON_TYPE, json.getBytes(StandardCharsets.UTF_8))
                .addPart("_csrf", t[0]).build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE)
                .cookie(io.micronaut.http.cookie.Cookie.of("pb_csrf", t[1])));
    }

    @Test
    void theApiAndTheFormTakeDocumentsUpToTheSameLimitAndAnswer413InTheSiteFormat() {
        assertEquals(201, send(admin(HttpRequest.POST("/api/admin/runs", documentOfSize("api-at-limit", 40000))
                .contentType(MediaType.APPLICATION_JSON_TYPE))).code(), "exactly the limit");
        String api = assertJson(send(admin(HttpRequest.POST("/api/admin/runs", documentOfSize("api-over", 40001))
                .contentType(MediaType.APPLICATION_JSON_TYPE))), 413, "api, one byte over");
        assertTrue(api.contains("40000"), api);

        HttpResponse<String> formAt = send(form(documentOfSize("form-at-limit", 40000)));
        assertEquals(201, formAt.code(), body(formAt));
        HttpResponse<String> formOver = send(form(documentOfSize("form-over", 40001)));
        assertEquals(413, formOver.code(), body(formOver));
        assertTrue(body(formOver).contains("40000"), body(formOver));
        // Uploads are streamed, not buffered: a jar over the document limit reaches the form's controller
        // (which refuses it for its missing CSRF token, not for its size).
        HttpResponse<String> jar = send(HttpRequest.POST("/submit", MultipartBody.builder()
                .addPart("jar", "big.jar", MediaType.APPLICATION_OCTET_STREAM_TYPE, new byte[60_000])
                .addPart("name", "n").addPart("contact", "c@example.org").build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE));
        assertEquals(403, jar.code(), body(jar));
        assertTrue(body(jar).contains("security token"), body(jar));
        // A request over the whole-request limit is refused before any controller: the error page.
        String page = assertPage(send(form(documentOfSize("form-way-over", 150_000))), 413, "form over max-request-size");
        assertTrue(page.contains("100000"), page);
        assertEquals(List.of(), loggedErrors());
    }
}
