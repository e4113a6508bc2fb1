package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;

/**
 * The outermost filter, for what {@link SiteErrors} cannot see by itself: a URL longer than the site's
 * links ever are (414, before any route runs) and error responses other filters return without a body
 * (Micronaut's CORS filter refuses a foreign Origin to a localhost server with a bare 403).
 * Netty's own line limit (micronaut.server.netty.max-initial-line-length, set above this one) stays as
 * the last guard, but a request refused there has lost its URL, so it cannot tell a page from the API.
 */
@ServerFilter("/**")
public class ErrorFormatFilter implements Ordered {

    /** The longest leaderboard link (every attack filter ticked) is far below this. */
    static final int MAX_URI_CHARS = 8192;

    private final SiteErrors errors;

    ErrorFormatFilter(SiteErrors errors) {
        this.errors = errors;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order();
    }

    @RequestFilter
    public @Nullable HttpResponse<?> refuseLongUris(HttpRequest<?> request) {
        String uri = request.getUri().toString();
        if (uri.length() <= MAX_URI_CHARS) {
            return null;
        }
        return errors.respond(request, HttpStatus.REQUEST_URI_TOO_LONG, "the URL has " + uri.length()
                + " characters, more than the " + MAX_URI_CHARS + " the site accepts - use fewer or shorter query parameters");
    }

    @ResponseFilter
    public @Nullable HttpResponse<?> fillEmptyErrors(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (response.code() < 400 || response.getBody().isPresent() || request.getMethod() == HttpMethod.HEAD) {
            return null;
        }
        String origin = request.getHeaders().get("Origin");
        String message = response.status() == HttpStatus.FORBIDDEN && origin != null
                ? "cross-site request refused: Origin " + origin + " is not this site" : response.status().getReason();
        return errors.respond(request, response.status(), message);
    }
}
