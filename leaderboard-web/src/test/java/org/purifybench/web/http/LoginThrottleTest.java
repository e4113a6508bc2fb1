package org.purifybench.web.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lockout's arithmetic with a stepped clock (the HTTP side is in AdminLoginThrottleTest). */
class LoginThrottleTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void locksOutAfterMaxFailuresWithinTheWindowForTheLockout() {
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(10), Duration.ofMinutes(30));
        t.failed("a", T0);
        t.failed("a", T0.plusSeconds(60));
        assertTrue(t.lockedFor("a", T0.plusSeconds(61)).isEmpty(), "two of three");
        t.failed("a", T0.plusSeconds(120));
        assertEquals(Optional.of(Duration.ofMinutes(30)), t.lockedFor("a", T0.plusSeconds(120)));
        assertTrue(t.lockedFor("b", T0.plusSeconds(120)).isEmpty(), "another address is not locked out");
        assertEquals(Optional.of(Duration.ofMinutes(1)), t.lockedFor("a", T0.plusSeconds(120 + 29 * 60)));
        assertTrue(t.lockedFor("a", T0.plusSeconds(120 + 30 * 60)).isEmpty(), "the lockout ends");
    }

    @Test
    void failuresOutsideTheWindowOrBeforeASuccessDoNotAddUp() {
        LoginThrottle t = new LoginThrottle(2, Duration.ofMinutes(10), Duration.ofMinutes(30));
        t.failed("a", T0);
        t.failed("a", T0.plusSeconds(11 * 60));
        assertTrue(t.lockedFor("a", T0.plusSeconds(11 * 60)).isEmpty(), "the first failure left the window");
        t.succeeded("a");
        t.failed("a", T0.plusSeconds(12 * 60));
        assertTrue(t.lockedFor("a", T0.plusSeconds(12 * 60)).isEmpty(), "a success starts the count afresh");
        t.failed("a", T0.plusSeconds(13 * 60));
        assertTrue(t.lockedFor("a", T0.plusSeconds(13 * 60)).isPresent());
    }

    @Test
    void badSettingsAreRefusedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LoginThrottle(0, Duration.ofMinutes(1), Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("purifybench.admin.login"), e.getMessage());
    }
}
