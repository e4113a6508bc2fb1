package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * 414 for a URL longer than the site's links ever are, in the site's error format. Netty's own limit
 * (micronaut.server.netty.max-initial-line-length, set above this one) stays as the last guard, but a
 * request refused there has lost its URL, so it cannot tell a page from the API.
 */
@ServerFilter("/**")
public class UriLengthFilter {

    /** The longest leaderboard link (every attack filter ticked) is far below this. */
    static final int MAX_URI_CHARS = 8192;

    private final SiteErrors errors;

    UriLengthFilter(SiteErrors errors) {
        this.errors = errors;
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
}
