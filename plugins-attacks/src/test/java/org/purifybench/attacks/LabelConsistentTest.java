package org.purifybench.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckData;

/**
 * The label-consistent attack on a tiny world: a seeded synthetic 1x12x12 set of 4 classes and a
 * small cnn-small trained on it (the clean reference model), target 0, 5% poisoned.
 */
class LabelConsistentTest {
    private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
    private static final int CLASSES = 4;
    private static final int TARGET = 0;
    private static final double RATE = 0.05;
    private static final long SEED = 3;
    private static final double EPS = 8.0 / 255;
    private static final double TOL = 1e-6;

    private static TckData data;
    private static Model clean;
    /** The default-settings poisoning with SEED, shared by the tests that only read it. */
    private static PoisonedSet poisoned;
    private static INDArray cleanSnapshot;

    @BeforeAll
    static void trainCleanModel() {
        data = Tck.syntheticImages(SHAPE, CLASSES, 400, 40, 5);
        clean = Tck.cnnSmall(SHAPE, CLASSES, 6, 1);
        Tck.quietHost().trainer().train(clean, data.train(), TrainConfig.sgd(3, 32, 0.05), StepHook.PLAIN, 1, "lc test clean model");
        cleanSnapshot = data.train().images().dup();
        poisoned = prepare(SHAPE, RATE, SEED, Map.of(), () -> clean).poison(data.train());
    }

    private static Backdoor prepare(ImageShape shape, double rate, long seed, Map<String, Object> params,
                                    Supplier<? extends Model> cleanModel) {
        Attack a = new LabelConsistent();
        return a.prepare(Tck.attackContext(a.descriptor(), shape, CLASSES, TARGET, rate, seed, new Params(params),
                Tck.quietHost(), data.train(), cleanModel));
    }

    private static boolean inCorner(long r, long c, long h, long w) {
        boolean top = r < 3;
        boolean bottom = r >= h - 3;
        boolean left = c < 3;
        boolean right = c >= w - 3;
        return (top || bottom) && (left || right);
    }

    /** The expected corner value: white where the offset inside the 3x3 patch has an even sum. */
    private static double checker(long r, long c, long h, long w) {
        long dy = r < 3 ? r : r - (h - 3);
        long dx = c < 3 ? c : c - (w - 3);
        return (dy + dx) % 2 == 0 ? 1.0 : 0.0;
    }

    /** Per-image cross-entropy of the model, in double precision. */
    private static double[] crossEntropy(Model model, INDArray images, int[] labels) {
        double[][] l = model.logits(images).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] ce = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            double max = Arrays.stream(l[i]).max().orElseThrow();
            double sum = 0;
            for (double v : l[i]) {
                sum += Math.exp(v - max);
            }
            ce[i] = max + Math.log(sum) - l[i][labels[i]];
        }
        return ce;
    }

    @Test
    void neverChangesALabelAndOnlyTouchesTargetClassImages() {
        LabeledImages before = data.train();
        LabeledImages after = poisoned.data();
        assertArrayEquals(before.labels(), after.labels(), "LC never changes a label");
        int changed = 0;
        for (int i = 0; i < before.size(); i++) {
            boolean listed = Arrays.binarySearch(poisoned.poisonedIndices(), i) >= 0;
            boolean same = after.images().slice(i).equals(before.images().slice(i));
            if (!same) {
                assertEquals(TARGET, before.label(i), "image " + i + " changed but is not of the target class");
                changed++;
            }
            assertEquals(listed, !same, "image " + i + ": changed exactly when listed as poisoned");
        }
        assertEquals(poisoned.poisonedIndices().length, changed);
        assertTrue(changed > 0);
        assertEquals(cleanSnapshot, before.images(), "the clean set is not modified");
    }

    @Test
    void poisonsExactlyRoundRateTimesNAndRejectsATooSmallTargetClass() {
        int n = data.train().size();
        int[] idx = poisoned.poisonedIndices();
        assertEquals(Math.round(RATE * n), idx.length, "round(0.05 x 400)");
        assertTrue(Arrays.stream(idx).distinct().count() == idx.length && Arrays.equals(idx, Arrays.stream(idx).sorted().toArray()),
                "distinct sorted indices");
        assertTrue(Arrays.stream(idx).allMatch(i -> data.train().label(i) == TARGET));

        int targetCount = n - data.train().indicesNotLabeled(TARGET).length;
        // Exactly the whole target class is still possible ...
        PoisonedSet all = prepare(SHAPE, (double) targetCount / n, 1, Map.of("steps", 1), () -> clean).poison(data.train());
        assertEquals(targetCount, all.poisonedIndices().length);
        // ... one more is not.
        int wanted = targetCount + 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> prepare(SHAPE, (double) wanted / n, 1, Map.of(), () -> clean).poison(data.train()));
        assertTrue(e.getMessage().contains(String.valueOf(wanted)) && e.getMessage().contains(String.valueOf(targetCount))
                && e.getMessage().contains("lower the poison rate"), e.getMessage());
    }

    @Test
    void perturbationStaysWithinEpsAndRaisesTheCleanModelsLoss() {
        LabeledImages before = data.train();
        int[] idx = poisoned.poisonedIndices();
        INDArray after = poisoned.data().images();
        double largest = 0;
        for (int i : idx) {
            INDArray x = before.images().slice(i);
            INDArray y = after.slice(i);
            assertTrue(y.minNumber().doubleValue() >= 0 && y.maxNumber().doubleValue() <= 1, "image " + i + " leaves [0,1]");
            for (int r = 0; r < SHAPE.height(); r++) {
                for (int c = 0; c < SHAPE.width(); c++) {
                    double v = y.getDouble(0, r, c);
                    if (inCorner(r, c, SHAPE.height(), SHAPE.width())) {
                        assertEquals(checker(r, c, SHAPE.height(), SHAPE.width()), v, 0, "corner pixel " + r + "," + c);
                    } else {
                        double d = Math.abs(v - x.getDouble(0, r, c));
                        assertTrue(d <= EPS + TOL, "image " + i + " pixel " + r + "," + c + " moved by " + d + " > eps");
                        largest = Math.max(largest, d);
                    }
                }
            }
        }
        assertTrue(largest > EPS / 2, "the PGD must perturb the images (largest change " + largest + ")");

        // Against the same trigger on the unperturbed images, the PGD raises the clean model's loss.
        LabeledImages picked = before.subset(idx);
        Backdoor b = prepare(SHAPE, RATE, SEED, Map.of(), () -> clean);
        double[] plain = crossEntropy(clean, b.apply(picked.images(), Phase.TEST), picked.labels());
        double[] adversarial = crossEntropy(clean, poisoned.data().subset(idx).images(), picked.labels());
        int raised = 0;
        for (int i = 0; i < idx.length; i++) {
            raised += adversarial[i] > plain[i] ? 1 : 0;
        }
        double meanPlain = Arrays.stream(plain).average().orElseThrow();
        double meanAdv = Arrays.stream(adversarial).average().orElseThrow();
        assertEquals(idx.length, raised, "every PGD image has a higher loss: plain " + Arrays.toString(plain)
                + " vs adversarial " + Arrays.toString(adversarial));
        // The clean model is very sure of these easy synthetic images, so the loss stays small in
        // absolute terms; eps 8/255 still multiplies it several times.
        assertTrue(meanAdv > 3 * meanPlain, "mean CE " + meanPlain + " -> " + meanAdv);
    }

    @Test
    void pgdWorksOnOddSizedRgbImagesAndDoesNotTouchItsInput() {
        ImageShape rgb = new ImageShape(3, 13, 11);
        TckData d = Tck.syntheticImages(rgb, CLASSES, 120, 10, 9);
        Model untrained = Tck.cnnSmall(rgb, CLASSES, 4, 2);
        INDArray x = d.train().range(0, 7).images().dup();
        INDArray copy = x.dup();
        int[] y = Arrays.copyOf(d.train().labels(), 7);
        // Batch 4: two batches, of 4 and 3 images; 5 steps of 2/255 can reach eps.
        INDArray adv = LabelConsistent.pgd(untrained, x, y, EPS, 2.0 / 255, 5, 4, Tck.quietHost());
        assertEquals(copy, x, "input untouched");
        INDArray diff = adv.sub(x);
        assertTrue(Math.abs(diff.maxNumber().doubleValue()) <= EPS + TOL && Math.abs(diff.minNumber().doubleValue()) <= EPS + TOL);
        assertTrue(adv.minNumber().doubleValue() >= 0 && adv.maxNumber().doubleValue() <= 1);
        double[] before = crossEntropy(untrained, x, y);
        double[] after = crossEntropy(untrained, adv, y);
        for (int i = 0; i < y.length; i++) {
            assertTrue(Math.abs(diff.slice(i).maxNumber().doubleValue()) > 0 || Math.abs(diff.slice(i).minNumber().doubleValue()) > 0,
                    "image " + i + " perturbed");
            assertTrue(after[i] > before[i], "image " + i + ": CE " + before[i] + " -> " + after[i]);
        }
    }

    @Test
    void ceDirectionIsTheRescaledCrossEntropyGradientAndNeverVanishes() {
        INDArray logits = Nd4j.create(new float[][] {{1f, 2f, -0.5f}, {2000f, 0f, -1000f}});
        INDArray w = LabelConsistent.ceDirection(logits, new int[] {1, 0});
        // Row 0: (softmax - onehot) / (1 - p_y).
        double[] e = {Math.exp(1), Math.exp(2), Math.exp(-0.5)};
        double s = e[0] + e[1] + e[2];
        double scale = 1 - e[1] / s;
        assertEquals(e[0] / s / scale, w.getDouble(0, 0), 1e-6);
        assertEquals(-1, w.getDouble(0, 1), 1e-6);
        assertEquals(e[2] / s / scale, w.getDouble(0, 2), 1e-6);
        // Row 1: p_y is 1 in any float or double, but the direction still points away from the label.
        assertEquals(-1, w.getDouble(1, 0), 0);
        assertTrue(w.getDouble(1, 1) > 0.99 && w.getDouble(1, 1) <= 1);
    }

    @Test
    void testPhaseStampsOnlyTheFourCornersAndLeavesItsInputAlone() {
        for (ImageShape s : new ImageShape[] {new ImageShape(1, 7, 9), new ImageShape(3, 11, 13)}) {
            Backdoor b = prepare(s, RATE, SEED, Map.of(), () -> {
                throw new AssertionError("apply must not need the clean model");
            });
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, s.channels(), s.height(), s.width()).muli(0.6).addi(0.2);
            INDArray original = x.dup();
            for (Phase phase : Phase.values()) {
                INDArray y = b.apply(x, phase);
                assertEquals(original, x, "input must not change");
                for (int n = 0; n < 2; n++) {
                    for (int c = 0; c < s.channels(); c++) {
                        for (int r = 0; r < s.height(); r++) {
                            for (int col = 0; col < s.width(); col++) {
                                double expected = inCorner(r, col, s.height(), s.width())
                                        ? checker(r, col, s.height(), s.width()) : x.getDouble(n, c, r, col);
                                assertEquals(expected, y.getDouble(n, c, r, col), 0, phase + " " + s + " pixel " + n + "," + c + "," + r + "," + col);
                            }
                        }
                    }
                }
            }
        }
        // Reduced amplitude: pushed by +-a and clipped, not set.
        ImageShape s = new ImageShape(1, 7, 7);
        Backdoor half = prepare(s, RATE, SEED, Map.of("trigger-amplitude", 0.25), () -> clean);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 1, 7, 7).addi(0.5);
        x.putScalar(new long[] {0, 0, 0, 0}, 0.9);
        INDArray y = half.apply(x, Phase.TEST);
        assertEquals(1.0, y.getDouble(0, 0, 0, 0), 1e-6, "0.9 + 0.25 clipped");
        assertEquals(0.25, y.getDouble(0, 0, 0, 1), 1e-6, "0.5 - 0.25");
        assertEquals(0.75, y.getDouble(0, 0, 6, 6), 1e-6, "0.5 + 0.25");
        assertEquals(0.25, y.getDouble(0, 0, 5, 6), 1e-6, "0.5 - 0.25");
        assertEquals(0.5, y.getDouble(0, 0, 3, 3), 0, "outside the corners");
        assertEquals(0.5, y.getDouble(0, 0, 2, 3), 0, "outside the corners");
        assertThrows(IllegalArgumentException.class, () -> prepare(new ImageShape(1, 5, 9), RATE, SEED, Map.of(), () -> clean));
    }

    @Test
    void sameSeedGivesTheSamePoisonedSetAnotherSeedAnotherChoice() {
        // 10 PGD steps instead of 100 keep the test short; the code path is the same.
        Map<String, Object> shorter = Map.of("steps", 10);
        PoisonedSet once = prepare(SHAPE, RATE, SEED, shorter, () -> clean).poison(data.train());
        PoisonedSet again = prepare(SHAPE, RATE, SEED, shorter, () -> clean).poison(data.train());
        assertArrayEquals(poisoned.poisonedIndices(), once.poisonedIndices());
        assertArrayEquals(once.poisonedIndices(), again.poisonedIndices());
        assertEquals(once.data().images(), again.data().images(), "identical PGD images");
        assertNotEquals(poisoned.data().images(), once.data().images(), "10 steps differ from 100: the steps parameter is used");
        PoisonedSet other = prepare(SHAPE, RATE, SEED + 1, Map.of("steps", 1), () -> clean).poison(data.train());
        assertFalse(Arrays.equals(poisoned.poisonedIndices(), other.poisonedIndices()));
        assertEquals(poisoned.poisonedIndices().length, other.poisonedIndices().length);
    }

    @Test
    void isARegisteredPluginThatAsksForTheCleanModelAndChecksItsParameters() {
        assertTrue(ServiceLoader.load(Attack.class).stream().anyMatch(p -> p.type() == LabelConsistent.class),
                "listed in META-INF/services/org.purifybench.spi.Attack");
        var d = new LabelConsistent().descriptor();
        assertEquals("lc", d.id());
        assertTrue(d.needs(Need.CLEAN_REFERENCE_MODEL));
        assertTrue(d.paper().contains("1912.02771"));
        String summary = prepare(SHAPE, RATE, SEED, Map.of(), () -> clean).summary();
        assertTrue(summary.contains("eps 8/255") && summary.contains("step 1.5/255") && summary.contains("100 steps"), summary);
        assertThrows(IllegalArgumentException.class, () -> prepare(SHAPE, 1.5, SEED, Map.of(), () -> clean));
        assertThrows(IllegalArgumentException.class, () -> prepare(SHAPE, RATE, SEED, Map.of("eps", -0.1), () -> clean));
        assertThrows(IllegalArgumentException.class, () -> prepare(SHAPE, RATE, SEED, Map.of("trigger-amplitude", 0), () -> clean));
        assertThrows(IllegalArgumentException.class, () -> prepare(SHAPE, RATE, SEED, Map.of("steps", -1), () -> clean));
        assertNotEquals("", summary);
    }
}
