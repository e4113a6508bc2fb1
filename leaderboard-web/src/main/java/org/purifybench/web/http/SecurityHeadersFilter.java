package org.purifybench.web.http;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.util.Set;

/**
 * Site-wide protections: no script may run anywhere (the site needs none, so an escaping slip
 * cannot become XSS), no framing, no MIME sniffing; and a state-changing request whose Origin is
 * another site is refused before it reaches a controller (CSRF, together with the forms' tokens).
 */
@ServerFilter("/**")
public class SecurityHeadersFilter {

    static final String CSP = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
            + "frame-ancestors 'none'; form-action 'self'; img-src 'self'; style-src 'self'";

    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final SiteErrors errors;

    SecurityHeadersFilter(SiteErrors errors) {
        this.errors = errors;
    }

    @RequestFilter
    public @Nullable HttpResponse<?> refuseCrossOrigin(HttpRequest<?> request) {
        if (SAFE.contains(request.getMethod())) {
            return null;
        }
        String origin = request.getHeaders().get("Origin");
        if (origin == null) {
            return null; // Not a browser (curl, the CLI): nothing to forge with. "null" origins are refused.
        }
        String host = request.getHeaders().get("Host");
        if (host != null && sameHost(origin, host)) {
            return null;
        }
        return errors.respond(request, HttpStatus.FORBIDDEN, "cross-site request refused: Origin " + origin + " is not this site");
    }

    private static boolean sameHost(String origin, String host) {
        try {
            URI uri = URI.create(origin);
            String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return host.equalsIgnoreCase(authority);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ResponseFilter
    public void addHeaders(MutableHttpResponse<?> response) {
        protect(response);
    }

    /** Also for the error responses Micronaut sends without running filters (SiteErrors); set, so never twice. */
    static void protect(MutableHttpResponse<?> response) {
        response.getHeaders().set("Content-Security-Policy", CSP);
        response.getHeaders().set("X-Content-Type-Options", "nosniff");
        response.getHeaders().set("X-Frame-Options", "DENY");
        if (!response.getHeaders().contains("Referrer-Policy")) { // a submitter's status page sets no-referrer
            response.header("Referrer-Policy", "same-origin");
        }
    }
}
