package org.purifybench.web.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts events per key (a client address) over a sliding window, in memory: a restart forgets
 * them, which is fine for limits that bound floods, not accounts. Times are passed in, so the
 * tests step the clock instead of sleeping.
 *
 * <p>Keys without events in the window are swept once the map holds {@link #SWEEP_AT} keys, so
 * its size stays bounded by the keys seen within one window.
 */
public final class SlidingWindow {
    static final int SWEEP_AT = 10_000;

    private final int limit;
    private final Duration window;
    private final Map<String, Deque<Instant>> events = new ConcurrentHashMap<>();

    public SlidingWindow(int limit, Duration window) {
        if (limit < 1 || window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("a sliding window needs a limit of at least 1 and a positive duration, not "
                    + limit + " in " + window);
        }
        this.limit = limit;
        this.window = window;
    }

    public int limit() {
        return limit;
    }

    public Duration window() {
        return window;
    }

    /**
     * Records an event for {@code key} if fewer than {@code limit} happened in the window before
     * {@code now}; otherwise records nothing and says how long until the oldest one leaves the window.
     */
    public Optional<Duration> tryAcquire(String key, Instant now) {
        sweepIfLarge(now);
        Deque<Instant> d = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            prune(d, now);
            if (d.size() >= limit) {
                return Optional.of(Duration.between(now, d.peekFirst().plus(window)));
            }
            d.addLast(now);
            return Optional.empty();
        }
    }

    /** Takes back an event recorded at {@code at} (an upload that was refused after its slot was taken). */
    public void release(String key, Instant at) {
        Deque<Instant> d = events.get(key);
        if (d != null) {
            synchronized (d) {
                d.removeLastOccurrence(at);
            }
        }
    }

    /** Records an event and returns how many are in the window now, this one included. */
    public int record(String key, Instant now) {
        sweepIfLarge(now);
        Deque<Instant> d = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            prune(d, now);
            d.addLast(now);
            return d.size();
        }
    }

    public int count(String key, Instant now) {
        Deque<Instant> d = events.get(key);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            prune(d, now);
            return d.size();
        }
    }

    public void clear(String key) {
        events.remove(key);
    }

    int keys() {
        return events.size();
    }

    private void prune(Deque<Instant> d, Instant now) {
        Instant oldest = now.minus(window);
        while (!d.isEmpty() && !d.peekFirst().isAfter(oldest)) {
            d.removeFirst();
        }
    }

    private void sweepIfLarge(Instant now) {
        if (events.size() < SWEEP_AT) {
            return;
        }
        events.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                prune(e.getValue(), now);
                return e.getValue().isEmpty();
            }
        });
    }
}
