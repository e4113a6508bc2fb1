package org.purifybench.core.run;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wall time per phase of a run (attack and training, defenses, evaluators), for the results'
 * provenance. The plan runs phases one after the other, but an evaluator may still ask for a model
 * no plan step made (a defense's model it did not declare it needs): that purification runs inside
 * the evaluation. Time is therefore charged exclusively: the enclosing phase's clock stops while a
 * nested one runs, so the phase times add up to at most the wall time (times the number of cells
 * run in parallel; each worker thread keeps its own nesting).
 */
final class PhaseClock {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final ThreadLocal<Deque<String>> open = ThreadLocal.withInitial(ArrayDeque::new);
    private final ThreadLocal<long[]> since = ThreadLocal.withInitial(() -> new long[1]);

    /** Runs {@code work}, its time charged to {@code phase}. */
    <T> T time(String phase, Supplier<T> work) {
        Deque<String> stack = open.get();
        long[] start = since.get();
        long now = System.nanoTime();
        if (!stack.isEmpty()) {
            charge(stack.peek(), now - start[0]);
        }
        stack.push(phase);
        start[0] = now;
        try {
            return work.get();
        } finally {
            long end = System.nanoTime();
            charge(stack.pop(), end - start[0]);
            start[0] = end;
        }
    }

    /** The seconds charged to each phase so far, in the order the phases first ran. */
    Map<String, Double> seconds() {
        synchronized (seconds) {
            return new LinkedHashMap<>(seconds);
        }
    }

    private void charge(String phase, long nanos) {
        synchronized (seconds) {
            seconds.merge(phase, nanos / 1e9, Double::sum);
        }
    }
}
