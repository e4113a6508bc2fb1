package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;

class SyntheticImagesTest {
    private static final ImageShape GRAY = new ImageShape(1, 28, 28);

    @Test
    void hasRequestedShapeSizesAndRange() {
        Dataset d = SyntheticImages.generate(new ImageShape(3, 16, 12), 4, 40, 20, 7);

        assertArrayEquals(new long[] {40, 3, 16, 12}, d.train().images().shape());
        assertArrayEquals(new long[] {20, 3, 16, 12}, d.test().images().shape());
        assertEquals(4, d.numClasses());
        assertEquals("synthetic seed 7", d.source());
        assertTrue(d.train().images().minNumber().doubleValue() >= 0);
        assertTrue(d.train().images().maxNumber().doubleValue() <= 1);
        int[] perClass = new int[4];
        for (int label : d.train().labels()) {
            perClass[label]++;
        }
        assertArrayEquals(new int[] {10, 10, 10, 10}, perClass, "classes are balanced");
    }

    @Test
    void sameSeedGivesIdenticalData() {
        Dataset a = SyntheticImages.generate(GRAY, 10, 100, 30, 42);
        Dataset b = SyntheticImages.generate(GRAY, 10, 100, 30, 42);
        assertEquals(a.train().images(), b.train().images());
        assertEquals(a.test().images(), b.test().images());
        assertArrayEquals(a.train().labels(), b.train().labels());
        assertArrayEquals(a.test().labels(), b.test().labels());
    }

    @Test
    void differentSeedGivesDifferentData() {
        Dataset a = SyntheticImages.generate(GRAY, 10, 100, 30, 1);
        Dataset b = SyntheticImages.generate(GRAY, 10, 100, 30, 2);
        assertNotEquals(a.train().images(), b.train().images());
        assertNotEquals(a.test().images(), b.test().images());
    }

    @Test
    void testSetDoesNotDependOnTrainSize() {
        Dataset small = SyntheticImages.generate(GRAY, 10, 50, 30, 3);
        Dataset large = SyntheticImages.generate(GRAY, 10, 500, 30, 3);
        assertEquals(small.test().images(), large.test().images());
    }

    @Test
    void imagesOfOneClassAreNotCopies() {
        Dataset d = SyntheticImages.generate(GRAY, 2, 10, 2, 5);
        LabeledImages train = d.train();
        int first = -1;
        for (int i = 0; i < train.size(); i++) {
            if (train.label(i) == 0) {
                if (first < 0) {
                    first = i;
                } else {
                    assertNotEquals(train.images().slice(first), train.images().slice(i));
                    return;
                }
            }
        }
        throw new AssertionError("expected two images of class 0");
    }

    /** Learnability: class means from the training set classify the test set far above chance (10%). */
    @Test
    void nearestCentroidClassifiesTestSetAbove90Percent() {
        Dataset d = SyntheticImages.generate(GRAY, 10, 1000, 500, 0);
        int pixels = (int) GRAY.pixels();
        float[] train = d.train().images().ravel().toFloatVector();
        double[][] centroid = new double[10][pixels];
        int[] count = new int[10];
        for (int i = 0; i < d.train().size(); i++) {
            int k = d.train().label(i);
            count[k]++;
            for (int p = 0; p < pixels; p++) {
                centroid[k][p] += train[i * pixels + p];
            }
        }
        for (int k = 0; k < 10; k++) {
            for (int p = 0; p < pixels; p++) {
                centroid[k][p] /= count[k];
            }
        }
        float[] test = d.test().images().ravel().toFloatVector();
        int correct = 0;
        for (int i = 0; i < d.test().size(); i++) {
            int best = -1;
            double bestDist = Double.MAX_VALUE;
            for (int k = 0; k < 10; k++) {
                double dist = 0;
                for (int p = 0; p < pixels; p++) {
                    double diff = test[i * pixels + p] - centroid[k][p];
                    dist += diff * diff;
                }
                if (dist < bestDist) {
                    bestDist = dist;
                    best = k;
                }
            }
            if (best == d.test().label(i)) {
                correct++;
            }
        }
        double accuracy = correct / (double) d.test().size();
        assertTrue(accuracy > 0.9, "nearest-centroid accuracy " + accuracy);
    }

    @Test
    void rejectsNonsenseArguments() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticImages.generate(GRAY, 1, 10, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticImages.generate(GRAY, 10, 0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticImages.generate(GRAY, 10, 10, 0, 0));
    }
}
