package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.context.annotation.Property;
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
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admin actions over HTTP: authentication, the import endpoint's answers to bad documents (and
 * that they leave the database unchanged), CSRF and cross-origin refusal, escaping.
 */
@MicronautTest(transactional = false)
@Property(name = "purifybench.import.max-bytes", value = "40000")
class AdminTest {

    static final String USER = "admin";
    static final String PASSWORD = "test-admin-password";

    @Inject @Client("/") HttpClient http;
    @Inject DbState db;
    @Inject org.purifybench.web.importing.ResultsImporter importer;

    @BeforeEach
    void empty() {
        db.clear();
    }

    private static <T> MutableHttpRequest<T> admin(MutableHttpRequest<T> r) {
        return r.basicAuth(USER, PASSWORD);
    }

    private int code(HttpRequest<?> request) {
        return send(request).code();
    }

    private HttpResponse<String> send(HttpRequest<?> request) {
        return Exchanges.send(http, request);
    }

    private String body(HttpResponse<?> r) {
        return r.getBody(String.class).orElse("");
    }

    private static ResultsDocuments doc(String runId) {
        return ResultsDocuments.run(runId).result("pam", "badnet", 0, 0.8, 0.03, 0.03).result("ft", "badnet", 0, 0.8, 0.9, 0.9);
    }

    private MutableHttpRequest<String> importRequest(String json) {
        return admin(HttpRequest.POST("/api/admin/runs", json).contentType(MediaType.APPLICATION_JSON_TYPE));
    }

    @Test
    void adminActionsNeedTheAdminPassword() {
        assertEquals(401, code(HttpRequest.GET("/admin")));
        assertEquals(401, code(HttpRequest.GET("/admin").basicAuth(USER, "wrong")));
        assertEquals(200, code(admin(HttpRequest.GET("/admin"))));
        assertEquals(401, code(HttpRequest.POST("/api/admin/runs", doc("r").json()).contentType(MediaType.APPLICATION_JSON_TYPE)));
        assertEquals(401, code(HttpRequest.DELETE("/api/admin/runs/r")));
        assertEquals(0L, db.counts().get("runs"));
    }

    @Test
    void importEndpointAnswersEachCaseWithItsStatusAndBadOnesChangeNothing() {
        assertEquals(201, code(importRequest(doc("r1").json())));
        Map<String, Long> before = db.counts();
        HttpResponse<String> dup = send(importRequest(doc("r1").json()));
        assertEquals(409, dup.code());
        assertTrue(body(dup).contains("already imported with the same content"), body(dup));

        HttpResponse<String> malformed = send(importRequest("{\"runId\": "));
        assertEquals(400, malformed.code());
        assertTrue(body(malformed).contains("not valid JSON"), body(malformed));

        ObjectNode invalid = doc("r2").tree();
        ((ObjectNode) invalid.get("rows").get(0)).put("metric", "accuracy-ish");
        HttpResponse<String> schema = send(importRequest(invalid.toString()));
        assertEquals(422, schema.code());
        assertTrue(body(schema).contains("results schema"), body(schema));

        HttpResponse<String> conflict = send(importRequest(ResultsDocuments.run("r1").result("pam", "badnet", 0, 0.8, 0.5, 0.5).json()));
        assertEquals(409, conflict.code());

        ResultsDocuments big = ResultsDocuments.standardLike("big", 0, 3); // > 40,000 bytes
        HttpResponse<String> oversized = send(importRequest(big.json()));
        assertEquals(413, oversized.code());
        assertTrue(body(oversized).contains("limit"), body(oversized));

        // Only application/json is accepted (a cross-site form cannot send it).
        assertEquals(415, code(admin(HttpRequest.POST("/api/admin/runs", doc("r3").json()).contentType(MediaType.TEXT_PLAIN_TYPE))));
        assertEquals(before, db.counts());
    }

    @Test
    void publishAndDeleteThroughTheApi() {
        assertEquals(201, code(importRequest(doc("r1").json())));
        assertEquals(404, code(HttpRequest.GET("/runs/r1")), "pending");
        assertEquals("{\"status\":200,\"message\":\"published r1\"}",
                body(send(admin(HttpRequest.POST("/api/admin/runs/r1/publish", "")))), "success: message, not error");
        assertEquals(200, code(HttpRequest.GET("/runs/r1")));
        HttpResponse<String> deleted = send(admin(HttpRequest.DELETE("/api/admin/runs/r1")));
        assertEquals(200, deleted.code());
        assertEquals("{\"status\":200,\"message\":\"deleted r1\"}", body(deleted));
        HttpResponse<String> gone = send(admin(HttpRequest.DELETE("/api/admin/runs/r1")));
        assertEquals(404, gone.code());
        assertEquals("{\"status\":404,\"error\":\"no run 'r1'\"}", body(gone));
        assertEquals(404, code(admin(HttpRequest.POST("/api/admin/runs/r1/publish", ""))));
        assertEquals(0L, db.counts().get("result_rows"));
    }

    /** The token and cookie of a freshly rendered admin page. */
    private String[] adminPageToken() {
        HttpResponse<String> page = http.toBlocking().exchange(admin(HttpRequest.GET("/admin")), String.class);
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(m.find(), "the admin page carries a CSRF token");
        Cookie cookie = page.getCookie("pb_csrf").orElseThrow();
        assertTrue(cookie.isHttpOnly());
        return new String[] {m.group(1), cookie.getValue()};
    }

    private MutableHttpRequest<MultipartBody> uploadForm(String token, String json) {
        MultipartBody.Builder b = MultipartBody.builder().addPart("file", "results.json", MediaType.APPLICATION_JSON_TYPE,
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8)).addPart("publish", "true");
        if (token != null) {
            b.addPart("_csrf", token);
        }
        return admin(HttpRequest.POST("/admin/import", b.build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE));
    }

    @Test
    void formsNeedTheirCsrfTokenAndASameSiteOrigin() {
        String[] t = adminPageToken();
        // No token, or a token without its cookie, or a wrong one: refused, nothing imported.
        assertEquals(403, code(uploadForm(null, doc("r1").json()).cookie(Cookie.of("pb_csrf", t[1]))));
        assertEquals(403, code(uploadForm(t[0], doc("r1").json())));
        assertEquals(403, code(uploadForm("forged", doc("r1").json()).cookie(Cookie.of("pb_csrf", t[1]))));
        // Right token, but posted from another site.
        assertEquals(403, code(uploadForm(t[0], doc("r1").json()).cookie(Cookie.of("pb_csrf", t[1]))
                .header("Origin", "https://evil.example")));
        assertEquals(0L, db.counts().get("runs"));

        HttpResponse<String> ok = send(uploadForm(t[0], doc("r1").json()).cookie(Cookie.of("pb_csrf", t[1])));
        assertEquals(201, ok.code(), body(ok));
        assertTrue(body(ok).contains("Imported run r1"), body(ok));
        assertEquals(1L, db.counts().get("runs"));
        String[] t1 = adminPageToken();
        HttpResponse<String> again = send(uploadForm(t1[0], doc("r1").json()).cookie(Cookie.of("pb_csrf", t1[1])));
        assertEquals(409, again.code());
        assertTrue(body(again).contains("already imported"), body(again));

        // A bad upload through the form: the page says why, the status is 4xx, nothing changes.
        Map<String, Long> before = db.counts();
        String[] t2 = adminPageToken();
        HttpResponse<String> bad = send(uploadForm(t2[0], "not json").cookie(Cookie.of("pb_csrf", t2[1])));
        assertEquals(400, bad.code());
        assertTrue(body(bad).contains("Not imported"), body(bad));
        assertEquals(before, db.counts());

        // Delete form: same protection.
        assertEquals(403, code(admin(HttpRequest.POST("/admin/runs/r1/delete",
                MultipartBody.builder().addPart("x", "y").build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE))));
        String[] t3 = adminPageToken();
        assertEquals(200, code(admin(HttpRequest.POST("/admin/runs/r1/delete",
                MultipartBody.builder().addPart("_csrf", t3[0]).build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE))
                .cookie(Cookie.of("pb_csrf", t3[1]))));
        assertEquals(0L, db.counts().get("runs"));
    }

    @Test
    void userSuppliedStringsAreEscapedEverywhere() {
        String evil = "<script>alert(1)</script>";
        ObjectNode tree = ResultsDocuments.run("r<b>x</b>").profile("p\"><img src=x>").result(evil, "badnet", 0, 0.8, 0.1, 0.1).tree();
        ((com.fasterxml.jackson.databind.node.ArrayNode) tree.get("approximations")).removeAll().add("<iframe src=//evil>");
        assertEquals(201, code(admin(HttpRequest.POST("/api/admin/runs?publish=true", tree.toString())
                .contentType(MediaType.APPLICATION_JSON_TYPE))));
        for (String uri : new String[] {"/", "/runs", "/runs/r%3Cb%3Ex%3C%2Fb%3E",
                "/defenses/" + java.net.URLEncoder.encode(evil, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")
                        + "?dataset=fashion-mnist&model=cnn-small&rate=0.05"}) {
            HttpResponse<String> r = send(HttpRequest.GET(uri));
            assertEquals(200, r.code(), uri);
            String page = body(r);
            assertFalse(page.contains("<script>alert"), uri);
            assertFalse(page.contains("<img src=x>"), uri);
            assertFalse(page.contains("<iframe"), uri);
            assertFalse(page.contains("<b>x</b>"), uri);
        }
        String admin = body(send(admin(HttpRequest.GET("/admin"))));
        assertTrue(admin.contains("r&lt;b&gt;x&lt;/b&gt;"), "shown as text");
    }

    @Test
    void anAdminMarksAndClearsADefensesOfficialSettingOverTheApiAndVisitorsCannot() throws Exception {
        importer.importDocument(ResultsDocuments.run("a").params("ft", java.util.Map.of("lr", 0.01))
                .result("ft", "badnet", 0, 0.8, 0.1, 0.5).bytes(), true);
        importer.importDocument(ResultsDocuments.run("b").params("ft", java.util.Map.of("lr", 0.05))
                .result("ft", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        com.fasterxml.jackson.databind.JsonNode board = ResultsDocuments.JSON.readTree(
                body(send(HttpRequest.GET("/api/leaderboard"))));
        assertEquals(2, board.get("standings").size());
        String setting = board.get("standings").get(0).get("setting").asText();
        String path = "/api/admin/defenses/ft/official?setting=" + setting;
        assertEquals(401, code(HttpRequest.PUT(path, "")));
        assertEquals(200, code(admin(HttpRequest.PUT(path, ""))));
        board = ResultsDocuments.JSON.readTree(body(send(HttpRequest.GET("/api/leaderboard"))));
        assertEquals("ft", board.get("standings").get(0).get("name").asText());
        assertTrue(board.get("standings").get(1).get("rank") == null || board.get("standings").get(1).get("rank").isNull(),
                "the other setting is an unranked variant: " + board);
        HttpResponse<String> unknown = send(admin(HttpRequest.PUT("/api/admin/defenses/ft/official?setting=nope", "")));
        assertEquals(404, unknown.code());
        assertTrue(body(unknown).contains(setting), body(unknown));
        assertEquals(200, code(admin(HttpRequest.DELETE("/api/admin/defenses/ft/official"))));
        assertEquals(404, code(admin(HttpRequest.DELETE("/api/admin/defenses/ft/official"))));

        // The same from the admin page: its settings table and form (with the CSRF token).
        String[] t = adminPageToken();
        String page = body(send(admin(HttpRequest.GET("/admin"))));
        assertTrue(page.contains("id=\"admin-settings\"") && page.contains(setting), page);
        MultipartBody form = MultipartBody.builder().addPart("setting", setting).addPart("_csrf", t[0]).build();
        HttpResponse<String> marked = send(admin(HttpRequest.POST("/admin/defenses/ft/official", form)
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE).cookie(Cookie.of("pb_csrf", t[1]))));
        assertEquals(200, marked.code(), body(marked));
        assertTrue(body(marked).contains("is now the official setting of ft"), body(marked));
        board = ResultsDocuments.JSON.readTree(body(send(HttpRequest.GET("/api/leaderboard"))));
        assertEquals("ft", board.get("standings").get(0).get("name").asText());
    }
}
