package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Refuses, before micronaut-security checks them, the credentials of a client address that
 * {@link LoginThrottle} has locked out: 429 with Retry-After. Requests without credentials pass
 * (public pages stay open to that address; an admin page answers its usual 401 challenge).
 */
@ServerFilter("/**")
public class LoginThrottleFilter implements Ordered {
    private final LoginThrottle throttle;
    private final ClientAddress addresses;

    LoginThrottleFilter(LoginThrottle throttle, ClientAddress addresses) {
        this.throttle = throttle;
        this.addresses = addresses;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.before();
    }

    @RequestFilter
    public @Nullable HttpResponse<?> refuseLockedOut(HttpRequest<?> request) {
        if (!request.getHeaders().contains(HttpHeaders.AUTHORIZATION)) {
            return null;
        }
        Optional<Duration> wait = throttle.lockedFor(addresses.of(request), Instant.now());
        if (wait.isEmpty()) {
            return null;
        }
        long seconds = Math.max(1, wait.get().toSeconds());
        return HttpResponse.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .contentType(MediaType.TEXT_PLAIN_TYPE)
                .body("Too many failed admin logins from this address (" + throttle.maxFailures() + " within "
                        + LoginThrottle.human(throttle.window()) + "): its logins are refused for " + LoginThrottle.human(wait.get())
                        + " more - try again then, with the right password (purifybench.admin.login.* sets these limits).\n");
    }
}
