package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The one shuffle must give exactly the orders the four copies it replaced gave (recorded runs depend on them). */
class ShuffleTest {
    private static final long[] SEEDS = {0, 1, 42, -7, 0x5eedL, Long.MAX_VALUE};
    private static final int[] SIZES = {0, 1, 2, 3, 10, 64, 1000};

    /** The loop SgdTrainer and SSBA had (java.util.Random). */
    private static int[] oldWithRandom(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The loop TriggerInversion had (SplittableRandom). */
    private static int[] oldWithSplittable(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The evaluators' Indices.shuffled (Collections.shuffle of boxed values). */
    private static int[] oldCollections(int[] values, Random random) {
        List<Integer> order = new ArrayList<>(values.length);
        for (int v : values) {
            order.add(v);
        }
        Collections.shuffle(order, random);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void permutationWithRandomIsTheOldFisherYates() {
        for (long seed : SEEDS) {
            for (int n : SIZES) {
                Random a = new Random(seed);
                Random b = new Random(seed);
                // two epochs from one stream, as the trainer draws them
                assertArrayEquals(oldWithRandom(n, a), Shuffle.permutation(n, b), "seed " + seed + ", n " + n);
                assertArrayEquals(oldWithRandom(n, a), Shuffle.permutation(n, b), "second draw, seed " + seed + ", n " + n);
                assertEquals(a.nextLong(), b.nextLong(), "the stream is left where the old code left it");
            }
        }
    }

    @Test
    void permutationWithSplittableRandomIsTheOldFisherYates() {
        for (long seed : SEEDS) {
            for (int n : SIZES) {
                SplittableRandom a = new SplittableRandom(seed);
                SplittableRandom b = new SplittableRandom(seed);
                assertArrayEquals(oldWithSplittable(n, a), Shuffle.permutation(n, b), "seed " + seed + ", n " + n);
                assertEquals(a.nextLong(), b.nextLong());
            }
        }
    }

    @Test
    void shuffledIsCollectionsShuffleAndLeavesItsInputAlone() {
        int[] values = {5, 9, 2, 7, 7, 1, 30, 4, 8, 6, 11};
        int[] copy = values.clone();
        for (long seed : SEEDS) {
            assertArrayEquals(oldCollections(values, new Random(seed)), Shuffle.shuffled(values, new Random(seed)), "seed " + seed);
            assertArrayEquals(oldCollections(new int[] {3}, new Random(seed)), Shuffle.shuffled(new int[] {3}, new Random(seed)));
        }
        assertArrayEquals(copy, values);
        for (int n : SIZES) {
            int[] range = java.util.stream.IntStream.range(0, n).toArray();
            assertArrayEquals(oldCollections(range, new Random(3)), Shuffle.permutation(n, new Random(3)), "n " + n);
        }
    }

    @Test
    void aPermutationHoldsEveryIndexOnce() {
        int[] p = Shuffle.permutation(500, new Random(9));
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        assertArrayEquals(java.util.stream.IntStream.range(0, 500).toArray(), sorted);
        assertThrows(IllegalArgumentException.class, () -> Shuffle.permutation(-1, new Random(0)));
    }
}
