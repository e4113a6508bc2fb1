package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.http.cookie.Cookie;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.purifybench.web.Exchanges;

/** The browser's side of submitting, for the tests: form token, upload, status page, admin forms. */
final class SubmissionHttp {
    static final String ADMIN = "admin";
    static final String PASSWORD = "test-admin-password";

    private final HttpClient http;

    SubmissionHttp(HttpClient http) {
        this.http = http;
    }

    HttpResponse<String> send(HttpRequest<?> request) {
        return Exchanges.send(http, request);
    }

    static String body(HttpResponse<String> r) {
        return r.getBody(String.class).orElse("");
    }

    /** The CSRF token in a page's form and the cookie that goes with it. */
    static String[] token(HttpResponse<String> page) {
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(body(page));
        assertTrue(m.find(), "the page carries a CSRF token");
        return new String[] {m.group(1), page.getCookie("pb_csrf").orElseThrow().getValue()};
    }

    String[] formToken() {
        return token(send(HttpRequest.GET("/submit")));
    }

    MutableHttpRequest<MultipartBody> upload(String fileName, byte[] jar, String name, String contact, String[] token) {
        MultipartBody.Builder b = MultipartBody.builder().addPart("jar", fileName, MediaType.APPLICATION_OCTET_STREAM_TYPE, jar)
                .addPart("name", name).addPart("contact", contact);
        if (token != null) {
            b.addPart("_csrf", token[0]);
        }
        MutableHttpRequest<MultipartBody> r = HttpRequest.POST("/submit", b.build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE);
        return token == null ? r : r.cookie(Cookie.of("pb_csrf", token[1]));
    }

    /** Uploads through the form; returns the private status link shown once. */
    String submit(String fileName, byte[] jar, String contact) {
        HttpResponse<String> r = send(upload(fileName, jar, "Team Test", contact, formToken()));
        if (r.code() != 201) {
            fail("upload answered " + r.code() + ": " + body(r));
        }
        Matcher m = Pattern.compile("id=\"status-link\" href=\"([^\"]+)\"").matcher(body(r));
        assertTrue(m.find(), body(r));
        return m.group(1).replace("&amp;", "&");
    }

    static byte[] jar(String content) {
        return ("PK-stand-in " + content + "\n").getBytes(StandardCharsets.UTF_8);
    }

    HttpResponse<String> status(String link) {
        return send(HttpRequest.GET(link));
    }

    /** Polls the status page until it shows {@code state} (or fails after {@code limit}). */
    String awaitStatus(String link, String state, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            HttpResponse<String> r = status(link);
            last = body(r);
            Matcher m = Pattern.compile("id=\"status\">([a-z_]+)<").matcher(last);
            if (m.find() && m.group(1).equals(state)) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("status page never showed " + state + " within " + limit + "; last page:\n" + last);
        return null;
    }

    HttpResponse<String> adminPage() {
        return send(HttpRequest.GET("/admin").basicAuth(ADMIN, PASSWORD));
    }

    HttpResponse<String> adminAction(String path, String reason) {
        String[] t = token(adminPage());
        MultipartBody.Builder b = MultipartBody.builder().addPart("_csrf", t[0]);
        if (reason != null) {
            b.addPart("reason", reason);
        }
        return send(HttpRequest.POST(path, b.build()).contentType(MediaType.MULTIPART_FORM_DATA_TYPE).basicAuth(ADMIN, PASSWORD)
                .cookie(Cookie.of("pb_csrf", t[1])));
    }

    static String idOf(String link) {
        Matcher m = Pattern.compile("/submissions/([0-9a-f]{16})\\?token=(.+)").matcher(link);
        assertTrue(m.matches(), link);
        return m.group(1);
    }
}
