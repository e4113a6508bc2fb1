package org.purifybench.toolkit;

import java.util.random.RandomGenerator;

/**
 * Seeded orderings. One Fisher-Yates loop for every generator: from the last position down, swap
 * with {@code random.nextInt(i + 1)}. That is the exact sequence of draws and swaps of
 * {@code Collections.shuffle} on a random-access list, so code that shuffled a {@code List<Integer>}
 * gets the same order here; with {@link java.util.Random} the order is fixed by its specification.
 */
public final class Shuffle {
    private Shuffle() {
    }

    /** 0, 1, ..., n-1 in an order drawn by {@code random}. */
    public static int[] permutation(int n, RandomGenerator random) {
        if (n < 0) {
            throw new IllegalArgumentException("a permutation needs n >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return shuffleInPlace(p, random);
    }

    /** A copy of {@code values} in an order drawn by {@code random}; {@code values} is left as it is. */
    public static int[] shuffled(int[] values, RandomGenerator random) {
        return shuffleInPlace(values.clone(), random);
    }

    /** Shuffles {@code values} itself and returns it. */
    public static int[] shuffleInPlace(int[] values, RandomGenerator random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
        return values;
    }
}
