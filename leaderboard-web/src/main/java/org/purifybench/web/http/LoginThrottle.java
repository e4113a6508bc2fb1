package org.purifybench.web.http;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.purifybench.web.limits.SlidingWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed admin logins per client address ({@code purifybench.admin.login.*}): each failure is
 * logged as a warning with the address (never the password, nor the user name, which is sometimes
 * a mistyped password); after {@code max-failures} within {@code window}, the address's login
 * attempts are refused with 429 for {@code lockout} ({@link LoginThrottleFilter}), whatever
 * credentials they carry, so guessing goes no faster than max-failures per lockout.
 */
@Singleton
public class LoginThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

    private final SlidingWindow failures;
    private final Duration lockout;
    private final Map<String, Instant> lockedUntil = new ConcurrentHashMap<>();

    public LoginThrottle(@Value("${purifybench.admin.login.max-failures:10}") int maxFailures,
                         @Value("${purifybench.admin.login.window:15m}") Duration window,
                         @Value("${purifybench.admin.login.lockout:15m}") Duration lockout) {
        if (maxFailures < 1 || window.isZero() || window.isNegative() || lockout.isZero() || lockout.isNegative()) {
            throw new IllegalArgumentException("purifybench.admin.login: max-failures must be at least 1, window and lockout"
                    + " positive durations (e.g. 15m); got " + maxFailures + ", " + window + ", " + lockout);
        }
        this.failures = new SlidingWindow(maxFailures, window);
        this.lockout = lockout;
    }

    public int maxFailures() {
        return failures.limit();
    }

    public Duration window() {
        return failures.window();
    }

    /** How much longer {@code address} is locked out, if it is. */
    public Optional<Duration> lockedFor(String address, Instant now) {
        Instant until = lockedUntil.get(address);
        if (until == null) {
            return Optional.empty();
        }
        if (!until.isAfter(now)) {
            lockedUntil.remove(address, until);
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, until));
    }

    public void failed(String address, Instant now) {
        int n = failures.record(address, now);
        if (n >= failures.limit()) {
            failures.clear(address);
            if (lockedUntil.size() >= 10_000) {
                lockedUntil.values().removeIf(until -> !until.isAfter(now));
            }
            lockedUntil.put(address, now.plus(lockout));
            LOG.warn("admin login failed from {} ({} failures within {}): logins from this address are refused for {}",
                    address, n, human(failures.window()), human(lockout));
        } else {
            LOG.warn("admin login failed from {} ({} of {} failures within {} before a lockout)", address, n, failures.limit(),
                    human(failures.window()));
        }
    }

    public void succeeded(String address) {
        failures.clear(address);
    }

    static String human(Duration d) {
        long s = Math.max(1, d.toSeconds());
        if (s % 3600 == 0) {
            return s / 3600 + " h";
        }
        if (s >= 60) {
            return (s + 59) / 60 + " min";
        }
        return s + " s";
    }
}
