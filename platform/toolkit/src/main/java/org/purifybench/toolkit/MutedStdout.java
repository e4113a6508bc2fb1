package org.purifybench.toolkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs code with {@code System.out} muted for the calling thread only. SameDiff M2.1 prints one line
 * per op while it builds a backward graph, which would drown the command line's output.
 *
 * <p>{@code System.out} is one JVM-wide field, so a save-set-restore per caller is wrong as soon as
 * two threads overlap (cells run in parallel): the second saves the first's mute and restores it
 * last, leaving stdout muted for good. Here one lock guards a count of the threads inside: the first
 * installs a filter in front of the stream it found, the last puts that stream back (unless someone
 * else replaced the filter meanwhile, whose choice is then kept). The filter drops only the
 * writes of threads inside {@link #call}, so another thread's output is not lost while one compiles.
 */
public final class MutedStdout {
    private static final Object LOCK = new Object();
    private static final Set<Thread> MUTED = ConcurrentHashMap.newKeySet();
    private static int inside;
    private static PrintStream original;
    private static PrintStream filter;

    private MutedStdout() {
    }

    public static void run(Runnable body) {
        call(() -> {
            body.run();
            return null;
        });
    }

    public static <T> T call(Supplier<T> body) {
        Thread me = Thread.currentThread();
        boolean outermost = MUTED.add(me); // a nested call of the same thread changes nothing
        if (outermost) {
            enter();
        }
        try {
            return body.get();
        } finally {
            if (outermost) {
                MUTED.remove(me);
                leave();
            }
        }
    }

    private static void enter() {
        synchronized (LOCK) {
            if (inside++ == 0) {
                original = System.out;
                filter = new PrintStream(new ThreadFilter(original), true);
                System.setOut(filter);
            }
        }
    }

    private static void leave() {
        synchronized (LOCK) {
            if (--inside == 0) {
                if (System.out == filter) {
                    System.setOut(original);
                }
                original = null;
                filter = null;
            }
        }
    }

    /** Threads inside {@link #call} right now (tests). */
    static int inside() {
        synchronized (LOCK) {
            return inside;
        }
    }

    /** Passes on what threads outside {@link #call} write; drops the rest. */
    private static final class ThreadFilter extends OutputStream {
        private final PrintStream target;

        ThreadFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            if (!MUTED.contains(Thread.currentThread())) {
                target.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (!MUTED.contains(Thread.currentThread())) {
                target.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }
    }
}
