package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedMemoTest {
    /** Latch waits guard against a hang (a memo that serialises would deadlock here); they assert no timing. */
    private static final long WAIT_S = 60;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void theSameKeyIsComputedOnceWhileOthersWait() throws Exception {
        KeyedMemo<String, Object> memo = new KeyedMemo<>();
        AtomicInteger computed = new AtomicInteger();
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Object value = new Object();
        Future<Object> first = pool.submit(() -> memo.get("k", () -> {
            computed.incrementAndGet();
            computing.countDown();
            await(finish);
            return value;
        }));
        assertTrue(computing.await(WAIT_S, TimeUnit.SECONDS));
        List<Future<Object>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(pool.submit(() -> memo.get("k", () -> {
                computed.incrementAndGet();
                return new Object();
            })));
        }
        finish.countDown();
        assertSame(value, first.get(WAIT_S, TimeUnit.SECONDS));
        for (Future<Object> w : waiters) {
            assertSame(value, w.get(WAIT_S, TimeUnit.SECONDS));
        }
        assertEquals(1, computed.get());
        assertEquals(1, memo.misses());
        assertEquals(3, memo.hits());
    }

    @Test
    void differentKeysDoNotWaitForEachOther() throws Exception {
        KeyedMemo<String, String> memo = new KeyedMemo<>();
        CountDownLatch aComputing = new CountDownLatch(1);
        CountDownLatch bDone = new CountDownLatch(1);
        // a finishes only after b has been computed and returned: with one lock around computing, b would wait for a forever.
        Future<String> a = pool.submit(() -> memo.get("a", () -> {
            aComputing.countDown();
            await(bDone);
            return "A";
        }));
        assertTrue(aComputing.await(WAIT_S, TimeUnit.SECONDS));
        Future<String> b = pool.submit(() -> {
            String v = memo.get("b", () -> "B");
            bDone.countDown();
            return v;
        });
        assertEquals("B", b.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals("A", a.get(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void aFailureIsNotKeptAndTheNextCallComputesAgain() {
        KeyedMemo<String, String> memo = new KeyedMemo<>();
        AtomicInteger calls = new AtomicInteger();
        var e = assertThrows(IllegalStateException.class, () -> memo.get("k", () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("out of memory, once");
        }));
        assertEquals("out of memory, once", e.getMessage());
        assertEquals("ok", memo.get("k", () -> {
            calls.incrementAndGet();
            return "ok";
        }));
        assertEquals("ok", memo.get("k", () -> "never computed"));
        assertEquals(2, calls.get());
        assertThrows(NullPointerException.class, () -> memo.get("n", () -> null));
        assertEquals("x", memo.get("n", () -> "x"), "a null result is not kept either");
    }

    @Test
    void waitersOfAFailedComputationGetItsExceptionAndTheKeyStaysUsable() throws Exception {
        KeyedMemo<String, String> memo = new KeyedMemo<>();
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        Future<String> owner = pool.submit(() -> memo.get("k", () -> {
            computing.countDown();
            await(fail);
            throw new IllegalArgumentException("bad input");
        }));
        assertTrue(computing.await(WAIT_S, TimeUnit.SECONDS));
        Future<String> waiter = pool.submit(() -> memo.get("k", () -> "computed by the waiter"));
        fail.countDown();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> owner.get(WAIT_S, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException);
        // the waiter either joined the failed computation (and got its exception) or came after and computed
        try {
            assertEquals("computed by the waiter", waiter.get(WAIT_S, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException joined) {
            assertEquals("bad input", joined.getCause().getMessage());
        }
        String later = memo.get("k", () -> "fresh");
        assertTrue(later.equals("fresh") || later.equals("computed by the waiter"), "the failure was not kept: " + later);
    }

    @Test
    void askingForTheKeyBeingComputedIsACycle() {
        KeyedMemo<String, String> memo = new KeyedMemo<>();
        var e = assertThrows(IllegalStateException.class, () -> memo.get("k", () -> memo.get("k", () -> "inner")));
        assertTrue(e.getMessage().contains("'k'"), e.getMessage());
        assertEquals("outer", memo.get("k", () -> "outer"), "the failed computation left nothing behind");
        assertEquals("AB", memo.get("ab", () -> memo.get("a", () -> "A") + memo.get("b", () -> "B")), "other keys may nest");
    }

    @Test
    void pastCapacityTheLeastRecentlyUsedGo() {
        KeyedMemo<String, Integer> memo = new KeyedMemo<>(2);
        memo.get("a", () -> 1);
        memo.get("b", () -> 2);
        memo.get("a", () -> -1); // a is now the most recently used
        memo.get("c", () -> 3); // evicts b
        assertEquals(1, memo.get("a", () -> -1));
        assertEquals(-2, memo.get("b", () -> -2));
        assertEquals(2, memo.size());
        assertThrows(IllegalArgumentException.class, () -> new KeyedMemo<String, Integer>(0));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_S, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
