package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micronaut.context.annotation.Property;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.http.LoginThrottle;
import org.slf4j.LoggerFactory;

/**
 * Failed admin logins from one address: each is logged as a warning with the address and without
 * the password; after max-failures (3 here) within the window the address's logins are refused
 * with 429 and Retry-After, even with the right password, while public pages stay open to it.
 */
@MicronautTest(transactional = false)
@Property(name = "purifybench.admin.login.max-failures", value = "3")
@Property(name = "purifybench.admin.login.window", value = "1h")
@Property(name = "purifybench.admin.login.lockout", value = "1h")
class AdminLoginThrottleTest {
    private static final String WRONG = "not-the-password-7f3a";

    @Inject @Client("/") HttpClient http;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void capture() {
        log.start();
        ((Logger) LoggerFactory.getLogger(LoginThrottle.class)).addAppender(log);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger(LoginThrottle.class)).detachAppender(log);
    }

    private HttpResponse<String> send(HttpRequest<?> request) {
        return Exchanges.send(http, request);
    }

    private int admin(String password) {
        return send(HttpRequest.GET("/admin").basicAuth(AdminTest.USER, password)).code();
    }

    @Test
    void anAddressIsLockedOutAfterTooManyFailuresAndEachFailureIsLogged() {
        assertEquals(401, admin(WRONG));
        assertEquals(401, admin(WRONG));
        assertEquals(200, admin(AdminTest.PASSWORD), "two failures, then the right password: in");
        assertEquals(401, admin(WRONG));
        assertEquals(401, admin(WRONG), "not 429: the success before started the count afresh");
        assertEquals(401, admin(WRONG), "the third failure in a row is still answered 401, and locks the address out");

        HttpResponse<String> locked = send(HttpRequest.GET("/admin").basicAuth(AdminTest.USER, AdminTest.PASSWORD));
        assertEquals(429, locked.code(), "refused even with the right password");
        String body = locked.getBody(String.class).orElse("");
        assertTrue(body.contains("Too many failed admin logins from this address (3 within 1 h)"), body);
        assertTrue(body.contains("purifybench.admin.login"), body);
        long retryAfter = Long.parseLong(locked.getHeaders().get("Retry-After"));
        assertTrue(retryAfter > 0 && retryAfter <= 3600, "Retry-After " + retryAfter);
        assertEquals(429, send(HttpRequest.POST("/api/admin/runs/r/publish", "").basicAuth(AdminTest.USER, AdminTest.PASSWORD)).code(),
                "the API too");
        assertEquals(200, send(HttpRequest.GET("/")).code(), "public pages stay open");
        assertEquals(401, send(HttpRequest.GET("/admin")).code(), "a request without credentials gets the usual challenge");

        List<ILoggingEvent> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(5, warnings.size(), "one warning per failure: " + warnings);
        assertTrue(warnings.stream().allMatch(e -> e.getFormattedMessage().contains("admin login failed from 127.0.0.1")), warnings.toString());
        assertTrue(warnings.get(4).getFormattedMessage().contains("refused for 1 h"), warnings.get(4).getFormattedMessage());
        assertFalse(warnings.stream().anyMatch(e -> e.getFormattedMessage().contains(WRONG)), "the password is never logged");
    }
}
