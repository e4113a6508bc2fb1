package org.purifybench.web.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-key sliding window behind the upload and login limits, with a stepped clock. */
class SlidingWindowTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void refusesPastTheLimitUntilTheOldestEventLeavesTheWindow() {
        SlidingWindow w = new SlidingWindow(2, Duration.ofHours(1));
        assertTrue(w.tryAcquire("a", T0).isEmpty());
        assertTrue(w.tryAcquire("a", T0.plusSeconds(600)).isEmpty());
        Optional<Duration> wait = w.tryAcquire("a", T0.plusSeconds(1200));
        assertEquals(Optional.of(Duration.ofSeconds(2400)), wait, "until the first event is an hour old");
        assertTrue(w.tryAcquire("b", T0.plusSeconds(1200)).isEmpty(), "keys are counted apart");
        assertTrue(w.tryAcquire("a", T0.plusSeconds(3600)).isEmpty(), "the first event left the window");
        assertEquals(2, w.count("a", T0.plusSeconds(3600)));
    }

    @Test
    void aReleasedEventDoesNotCount() {
        SlidingWindow w = new SlidingWindow(1, Duration.ofMinutes(5));
        assertTrue(w.tryAcquire("a", T0).isEmpty());
        w.release("a", T0);
        assertTrue(w.tryAcquire("a", T0.plusSeconds(1)).isEmpty());
        assertTrue(w.tryAcquire("a", T0.plusSeconds(2)).isPresent());
    }

    @Test
    void recordCountsAndClearForgets() {
        SlidingWindow w = new SlidingWindow(3, Duration.ofMinutes(15));
        assertEquals(1, w.record("a", T0));
        assertEquals(2, w.record("a", T0.plusSeconds(60)));
        assertEquals(1, w.record("a", T0.plusSeconds(16 * 60)), "the first two are out of the window");
        w.clear("a");
        assertEquals(0, w.count("a", T0.plusSeconds(16 * 60)));
    }

    @Test
    void keysWithoutEventsInTheWindowAreSweptWhenTheMapIsLarge() {
        SlidingWindow w = new SlidingWindow(1, Duration.ofMinutes(1));
        for (int i = 0; i < SlidingWindow.SWEEP_AT; i++) {
            w.record("k" + i, T0);
        }
        assertEquals(SlidingWindow.SWEEP_AT, w.keys());
        w.record("late", T0.plusSeconds(120));
        assertEquals(1, w.keys(), "the old keys were swept");
    }

    @Test
    void aLimitBelowOneIsAConfigurationError() {
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindow(0, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindow(1, Duration.ZERO));
    }
}
