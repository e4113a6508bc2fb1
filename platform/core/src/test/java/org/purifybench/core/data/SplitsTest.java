package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

class SplitsTest {
    private static final int N = 1000;

    /** Training image i is 1x1x2 with pixels (i % 256, i / 256) / 255, so every part can be mapped back to indices. */
    private static Dataset indexed(int n) {
        float[] pixels = new float[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pixels[2 * i] = (i % 256) / 255f;
            pixels[2 * i + 1] = (i / 256) / 255f;
            labels[i] = i % 3;
        }
        LabeledImages train = new LabeledImages(Nd4j.create(pixels, new long[] {n, 1, 1, 2}), labels, 3);
        LabeledImages test = new LabeledImages(Nd4j.zeros(4, 1, 1, 2), new int[] {0, 1, 2, 0}, 3);
        return new Dataset("indexed", train, test, "test");
    }

    private static int[] indices(LabeledImages part) {
        float[] px = part.images().ravel().toFloatVector();
        int[] out = new int[part.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.round(px[2 * i] * 255) + 256 * Math.round(px[2 * i + 1] * 255);
            assertEquals(out[i] % 3, part.label(i), "label travels with its image");
        }
        return out;
    }

    @Test
    void defaultsAreAsDocumented() {
        assertEquals(new SplitConfig(0.05, 0.02, 1000, 0), SplitConfig.defaults());
    }

    @Test
    void partsAreDisjointCoverTheTrainingSetAndHaveExactSizes() {
        Dataset d = indexed(N);
        Splits s = Splits.make(d, new SplitConfig(0.105, 0.02, 300, 0), 11);

        assertEquals(105, s.tuning().size());
        assertEquals(20, s.validation().size());
        assertEquals(300, s.retuningPool().size());
        assertEquals(N - 105 - 20 - 300, s.attackerTrain().size());
        Set<Integer> seen = new HashSet<>();
        for (LabeledImages part : new LabeledImages[] {s.tuning(), s.validation(), s.retuningPool(), s.attackerTrain()}) {
            for (int i : indices(part)) {
                assertTrue(seen.add(i), "index " + i + " in two parts");
            }
        }
        assertEquals(N, seen.size());
        assertSame(d.test(), s.test());
    }

    @Test
    void fractionsAreRounded() {
        Splits s = Splits.make(indexed(N), new SplitConfig(0.0125, 0.0074, 10, 0), 0);
        assertEquals(13, s.tuning().size()); // 12.5 rounds half up
        assertEquals(7, s.validation().size()); // 7.4 rounds down
    }

    @Test
    void attackerSetIsCappedWithoutChangingTheDefendersParts() {
        Dataset d = indexed(N);
        Splits free = Splits.make(d, new SplitConfig(0.1, 0.1, 100, 0), 5);
        Splits capped = Splits.make(d, new SplitConfig(0.1, 0.1, 100, 50), 5);

        assertEquals(50, capped.attackerTrain().size());
        assertArrayEquals(indices(free.tuning()), indices(capped.tuning()));
        assertArrayEquals(indices(free.retuningPool()), indices(capped.retuningPool()));
        int[] head = Arrays.copyOf(indices(free.attackerTrain()), 50);
        assertArrayEquals(head, indices(capped.attackerTrain()));
    }

    @Test
    void capLargerThanTheRestIsNoCap() {
        Splits s = Splits.make(indexed(N), new SplitConfig(0.1, 0.1, 100, 100_000), 5);
        assertEquals(N - 300, s.attackerTrain().size());
    }

    @Test
    void sameSeedSameSplit() {
        Dataset d = indexed(N);
        Splits a = Splits.make(d, new SplitConfig(0.05, 0.02, 100, 0), 3);
        Splits b = Splits.make(d, new SplitConfig(0.05, 0.02, 100, 0), 3);
        assertArrayEquals(indices(a.tuning()), indices(b.tuning()));
        assertArrayEquals(indices(a.validation()), indices(b.validation()));
        assertArrayEquals(indices(a.retuningPool()), indices(b.retuningPool()));
        assertArrayEquals(indices(a.attackerTrain()), indices(b.attackerTrain()));
    }

    @Test
    void aSeedNamesAPinnedSplit() {
        // Pinned: a change here means old run seeds no longer name the same split.
        Splits s = Splits.make(indexed(N), new SplitConfig(0.005, 0.002, 1, 0), 42);
        assertArrayEquals(new int[] {572, 653, 636, 6, 892}, indices(s.tuning()));
    }

    @Test
    void differentSeedsDiffer() {
        Dataset d = indexed(N);
        Splits a = Splits.make(d, new SplitConfig(0.05, 0.02, 100, 0), 3);
        Splits b = Splits.make(d, new SplitConfig(0.05, 0.02, 100, 0), 4);
        assertFalse(Arrays.equals(indices(a.tuning()), indices(b.tuning())));
    }

    @Test
    void partsThatDoNotFitAreAnError() {
        UserException e = assertThrows(UserException.class,
                () -> Splits.make(indexed(N), new SplitConfig(0.05, 0.02, 930, 0), 0));
        assertTrue(e.getMessage().contains("do not fit") && e.getMessage().contains("1000"), e.getMessage());
        assertTrue(e.fix().contains("retuningPoolSize"), e.fix());
        // One image left for the attacker still fits.
        assertEquals(1, Splits.make(indexed(N), new SplitConfig(0.05, 0.02, 929, 0), 0).attackerTrain().size());
    }

    @Test
    void fractionRoundingToZeroIsAnError() {
        UserException e = assertThrows(UserException.class,
                () -> Splits.make(indexed(N), new SplitConfig(0.0004, 0.02, 10, 0), 0));
        assertTrue(e.getMessage().contains("tuning") && e.getMessage().contains("empty"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0.02, 1000, 0, tuningFraction",
        "1, 0.02, 1000, 0, tuningFraction",
        "-0.1, 0.02, 1000, 0, tuningFraction",
        "NaN, 0.02, 1000, 0, tuningFraction",
        "0.05, 0, 1000, 0, validationFraction",
        "0.05, 1.5, 1000, 0, validationFraction",
        "0.6, 0.4, 1000, 0, tuningFraction + validationFraction",
        "0.05, 0.02, 0, 0, retuningPoolSize",
        "0.05, 0.02, 1000, -1, attackerTrainLimit",
    })
    void badConfigValuesAreRejected(double tuning, double validation, int pool, int limit, String named) {
        UserException e = assertThrows(UserException.class, () -> new SplitConfig(tuning, validation, pool, limit));
        assertTrue(e.getMessage().startsWith(named), e.getMessage());
        assertTrue(e.fix() != null && !e.fix().isBlank());
    }
}
