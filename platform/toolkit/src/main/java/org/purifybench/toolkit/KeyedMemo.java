package org.purifybench.toolkit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Computes a value once per key and hands it out again, without holding any lock while it
 * computes: each key has its own future, so callers of different keys compute at the same time and
 * callers of the same key wait for the one computation. A computation that throws is not kept: its
 * waiting callers get the exception, and the next call computes again.
 *
 * <p>A computation may ask for other keys (nested memos), but asking for its own key again is a
 * cycle and fails at once instead of waiting for itself forever. With a capacity, the finished
 * entries beyond it are dropped least recently used first (a value is computed again if asked for
 * after that).
 */
public final class KeyedMemo<K, V> {
    private final int capacity;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong order = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /** Keeps every value. */
    public KeyedMemo() {
        this(Integer.MAX_VALUE);
    }

    /** Keeps at most {@code capacity} values. */
    public KeyedMemo(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a memo's capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    private static final class Entry<V> {
        final CompletableFuture<V> future = new CompletableFuture<>();
        final Thread owner = Thread.currentThread();
        volatile long used;

        Entry(long used) {
            this.used = used;
        }
    }

    public V get(K key, Supplier<? extends V> compute) {
        Entry<V> mine = new Entry<>(order.incrementAndGet());
        Entry<V> found = entries.putIfAbsent(key, mine);
        if (found != null) {
            hits.incrementAndGet();
            found.used = order.incrementAndGet();
            if (found.owner == Thread.currentThread() && !found.future.isDone()) {
                throw new IllegalStateException("memo key '" + key + "' was asked for while it is being computed by the same thread (a cycle)");
            }
            return join(found.future);
        }
        misses.incrementAndGet();
        V value;
        try {
            value = compute.get();
        } catch (RuntimeException | Error e) {
            entries.remove(key, mine); // not kept: the next call computes again
            mine.future.completeExceptionally(e);
            throw e;
        }
        if (value == null) {
            entries.remove(key, mine);
            NullPointerException e = new NullPointerException("memo computation for key '" + key + "' returned null");
            mine.future.completeExceptionally(e);
            throw e;
        }
        mine.future.complete(value);
        trim();
        return value;
    }

    private void trim() {
        while (entries.size() > capacity) {
            K eldest = null;
            long oldest = Long.MAX_VALUE;
            for (Iterator<Map.Entry<K, Entry<V>>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<K, Entry<V>> e = it.next();
                if (e.getValue().future.isDone() && e.getValue().used < oldest) {
                    oldest = e.getValue().used;
                    eldest = e.getKey();
                }
            }
            if (eldest == null) {
                return; // everything is still being computed
            }
            entries.remove(eldest);
        }
    }

    private static <V> V join(CompletableFuture<V> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a memoised value", e);
        } catch (CancellationException e) {
            throw new IllegalStateException("a memoised computation was cancelled", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Calls answered from an entry (finished or being computed by another caller). */
    public long hits() {
        return hits.get();
    }

    /** Calls that computed. */
    public long misses() {
        return misses.get();
    }

    public int size() {
        return entries.size();
    }
}
