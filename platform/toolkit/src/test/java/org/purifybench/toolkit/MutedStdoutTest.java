package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * The muting must leave System.out as it found it whatever the interleaving. The old per-instance
 * swap failed this: thread A saves the real stream and mutes, B saves A's mute and mutes, A
 * restores the real stream, B restores A's mute - muted for good.
 */
@ResourceLock(Resources.SYSTEM_OUT)
class MutedStdoutTest {
    /** Latch waits are liveness guards against a hang, not timing assertions. */
    private static final long WAIT_S = 60;
    private PrintStream saved;
    private ByteArrayOutputStream captured;
    private PrintStream capture;

    @BeforeEach
    void captureStdout() {
        saved = System.out;
        captured = new ByteArrayOutputStream();
        capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(saved);
    }

    private String out() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void twoOverlappingThreadsLeaveStdoutRestoredInEitherOrder() throws Exception {
        for (boolean firstLeavesFirst : new boolean[] {true, false}) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch aInside = new CountDownLatch(1);
                CountDownLatch bInside = new CountDownLatch(1);
                CountDownLatch aMayLeave = new CountDownLatch(1);
                CountDownLatch bMayLeave = new CountDownLatch(1);
                Future<?> a = pool.submit(() -> MutedStdout.run(() -> {
                    aInside.countDown();
                    System.out.println("a muted");
                    await(aMayLeave);
                }));
                assertTrue(aInside.await(WAIT_S, TimeUnit.SECONDS));
                Future<?> b = pool.submit(() -> MutedStdout.run(() -> {
                    bInside.countDown();
                    System.out.println("b muted");
                    await(bMayLeave);
                }));
                assertTrue(bInside.await(WAIT_S, TimeUnit.SECONDS));
                assertEquals(2, MutedStdout.inside());
                assertNotSame(capture, System.out, "muted while inside");
                System.out.println("main thread still heard");
                if (firstLeavesFirst) {
                    aMayLeave.countDown();
                    a.get(WAIT_S, TimeUnit.SECONDS);
                    assertNotSame(capture, System.out, "b is still inside");
                    bMayLeave.countDown();
                    b.get(WAIT_S, TimeUnit.SECONDS);
                } else {
                    bMayLeave.countDown();
                    b.get(WAIT_S, TimeUnit.SECONDS);
                    aMayLeave.countDown();
                    a.get(WAIT_S, TimeUnit.SECONDS);
                }
                assertSame(capture, System.out, "restored once both left");
                assertEquals(0, MutedStdout.inside());
            } finally {
                pool.shutdownNow();
            }
        }
        String out = out();
        assertEquals(2, out.split("main thread still heard", -1).length - 1, out);
        assertTrue(!out.contains("muted"), "muted threads' output is dropped: " + out);
    }

    @Test
    void aThrowingBodyRestoresStdout() {
        var e = assertThrows(IllegalStateException.class, () -> MutedStdout.run(() -> {
            System.out.println("lost");
            throw new IllegalStateException("compile failed");
        }));
        assertEquals("compile failed", e.getMessage());
        assertSame(capture, System.out);
        assertEquals(0, MutedStdout.inside());
        System.out.println("heard");
        assertEquals("heard" + System.lineSeparator(), out());
    }

    @Test
    void nestedCallsOfOneThreadAndReturnValues() {
        int v = MutedStdout.call(() -> MutedStdout.call(() -> {
            System.out.println("inner");
            return 7;
        }));
        assertEquals(7, v);
        assertSame(capture, System.out);
        assertEquals("", out());
    }

    @Test
    void aStreamSetByOthersWhileMutedIsKept() {
        PrintStream other = new PrintStream(new ByteArrayOutputStream());
        MutedStdout.run(() -> System.setOut(other));
        assertSame(other, System.out, "someone else's choice is not overwritten");
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
