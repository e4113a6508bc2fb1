package org.purifybench.core.model;

import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Collects garbage when the process's resident memory has grown by {@code headroom} since the last
 * collection. Why: ND4J's native arrays are freed only when their Java wrappers are collected, and
 * a SameDiff training step leaves ~260 MB of them behind (cnn-small w32, 32x32x3, batch 64) while
 * allocating almost nothing on the Java heap, so no collection comes until JavaCPP's
 * maxphysicalbytes is hit, and the kernel spends its time handing out fresh pages; a collection
 * per step costs user time instead (figures: docs/performance.md, graph-level choices).
 *
 * <p>The ceiling is the resident size at the first call plus {@code headroom}, never re-based:
 * the allocator keeps freed pages, so resident memory does not drop after a collection (a
 * re-based ceiling ratcheted up by the headroom each time), and it only grows again once those
 * pages are used up - that is when the next collection is due. Should live data itself outgrow
 * the ceiling (a bigger model), collections are spaced so they take at most a tenth of the time.
 */
public final class NativeMemoryPacer {
    /** System property: bytes of growth allowed between collections (default 1 GiB; 0 turns pacing off). */
    public static final String HEADROOM_PROPERTY = "purifybench.native.headroom";
    private static volatile NativeMemoryPacer shared = new NativeMemoryPacer(Pointer::physicalBytes, System::gc, System::nanoTime,
            Long.getLong(HEADROOM_PROPERTY, 1L << 30));

    private final LongSupplier residentBytes;
    private final Runnable collect;
    private final long headroom;
    private final LongSupplier clock;
    private long ceiling = -1;
    private long notBefore = Long.MIN_VALUE;
    private long collections;

    NativeMemoryPacer(LongSupplier residentBytes, Runnable collect, LongSupplier clock, long headroom) {
        if (headroom < 0) {
            throw new IllegalArgumentException(HEADROOM_PROPERTY + " must be >= 0 bytes (0 = off), got " + headroom);
        }
        this.residentBytes = residentBytes;
        this.collect = collect;
        this.clock = clock;
        this.headroom = headroom;
    }

    /** Called after each graph execution; returns whether it collected. */
    synchronized boolean pace() {
        if (headroom == 0) {
            return false;
        }
        long resident = residentBytes.getAsLong();
        if (ceiling < 0) {
            ceiling = resident + headroom;
            return false;
        }
        long start = clock.getAsLong();
        if (resident <= ceiling || start < notBefore) {
            return false;
        }
        collect.run();
        long took = clock.getAsLong() - start;
        notBefore = start + 10 * took;
        collections++;
        return true;
    }

    /** Called after each graph execution (SdModel) and after the pytorch engine hands out arrays. */
    public static void afterExecution() {
        shared.pace();
    }

    /** Collections so far in this process. */
    public static long collections() {
        NativeMemoryPacer p = shared;
        synchronized (p) {
            return p.collections;
        }
    }

    /** Tests: runs {@code work} with another pacer in place of the process-wide one. */
    static void using(NativeMemoryPacer pacer, Runnable work) {
        NativeMemoryPacer before = shared;
        shared = pacer;
        try {
            work.run();
        } finally {
            shared = before;
        }
    }
}
