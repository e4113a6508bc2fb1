package org.purifybench.evaluators;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Seeded orderings of sample indices, one implementation for every evaluator that draws or batches samples. */
final class Indices {
    private Indices() {
    }

    /** {@code values} in an order drawn by {@code random} (Collections.shuffle, so reproducible for a seed). */
    static int[] shuffled(int[] values, Random random) {
        List<Integer> order = new ArrayList<>(values.length);
        for (int v : values) {
            order.add(v);
        }
        Collections.shuffle(order, random);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /** 0, 1, ..., n-1 in an order drawn by {@code random}. */
    static int[] permutation(int n, Random random) {
        return shuffled(java.util.stream.IntStream.range(0, n).toArray(), random);
    }
}
