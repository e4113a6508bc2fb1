package org.purifybench.web.http;

import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Double-submit CSRF tokens for the admin forms and the public submit form (micronaut-security-csrf is not served here):
 * the admin page sets a random token as an HttpOnly, SameSite=Strict cookie and repeats it in a
 * hidden field; a form post is accepted only when both are present and equal.
 */
@Singleton
public class CsrfTokens {

    public static final String COOKIE = "pb_csrf";
    public static final String FIELD = "_csrf";

    private final SecureRandom random = new SecureRandom();

    public String newToken() {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public Cookie cookie(String token) {
        return cookie(token, "/admin");
    }

    /** The token's cookie, sent back only to the forms under {@code path} (the public submit form has its own). */
    public Cookie cookie(String token, String path) {
        return Cookie.of(COOKIE, token).httpOnly(true).sameSite(SameSite.Strict).path(path);
    }

    public boolean valid(String cookieToken, String formToken) {
        if (cookieToken == null || formToken == null || cookieToken.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(cookieToken.getBytes(StandardCharsets.UTF_8), formToken.getBytes(StandardCharsets.UTF_8));
    }
}
