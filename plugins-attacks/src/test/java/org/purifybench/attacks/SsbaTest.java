package org.purifybench.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckData;

/**
 * SSBA on small synthetic images (class templates plus per-pixel noise of sd 0.2, so the noise, not
 * the content, limits what a residual can carry): a gray and an odd-sized RGB case, trained once
 * each (20 epochs of 5 batches) and shared by the tests, with 8 bits and bound 0.1 (the defaults,
 * 32 bits at 0.05, are meant for 28x28 images and were measured on Fashion-MNIST).
 */
class SsbaTest {
    private static final ImageShape GRAY = new ImageShape(1, 14, 14);
    private static final ImageShape RGB = new ImageShape(3, 11, 13);
    private static final double BOUND = 0.1;
    private static final Map<String, Object> PARAMS = Map.of("bits", 8, "bound", BOUND, "epochs", 20);
    /** The same settings trained briefly: enough steps to test determinism, not to decode well. */
    private static final Map<String, Object> SHORT = Map.of("bits", 8, "bound", BOUND, "epochs", 3);

    private static final TckData GRAY_DATA = Tck.syntheticImages(GRAY, 4, 400, 40, 2);
    private static final TckData RGB_DATA = Tck.syntheticImages(RGB, 4, 400, 40, 3);
    private static final ByteArrayOutputStream GRAY_LOG = new ByteArrayOutputStream();
    private static final Host SILENT = Tck.host(new PrintStream(OutputStream.nullOutputStream()));
    private static Ssba.Trigger gray;
    private static Ssba.Trigger rgb;

    private static Ssba.Trigger prepare(TckData data, double rate, long seed, Map<String, Object> params, Host host) {
        Attack a = new Ssba();
        return (Ssba.Trigger) a.prepare(Tck.attackContext(a.descriptor(), data.shape(), data.numClasses(), 0, rate, seed,
                new Params(params), host, data.train(), null));
    }

    private static synchronized Ssba.Trigger gray() {
        if (gray == null) {
            gray = prepare(GRAY_DATA, 0.05, 1, PARAMS, Tck.host(new PrintStream(GRAY_LOG, true, StandardCharsets.UTF_8)));
        }
        return gray;
    }

    private static synchronized Ssba.Trigger rgb() {
        if (rgb == null) {
            rgb = prepare(RGB_DATA, 0.05, 1, PARAMS, SILENT);
        }
        return rgb;
    }

    private static INDArray row(INDArray a, long i) {
        return a.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Test
    void residualsStayWithinTheBoundAndAreNonZero() {
        for (Object[] c : new Object[][] {{gray(), GRAY_DATA}, {rgb(), RGB_DATA}}) {
            Ssba.Trigger t = (Ssba.Trigger) c[0];
            LabeledImages all = LabeledImages.concat(((TckData) c[1]).test(), ((TckData) c[1]).train());
            INDArray x = all.images();
            INDArray before = x.dup();
            for (Phase phase : Phase.values()) {
                INDArray y = t.apply(x, phase);
                assertEquals(before, x, "apply must not change its input");
                assertArrayEquals(x.shape(), y.shape());
                assertTrue(y.minNumber().doubleValue() >= 0 && y.maxNumber().doubleValue() <= 1, "encoded images stay in [0,1]");
                INDArray diff = y.sub(x);
                for (long i = 0; i < x.size(0); i++) {
                    double linf = Transforms.abs(row(diff, i)).maxNumber().doubleValue();
                    assertTrue(linf <= BOUND + 1e-6, "image " + i + ": L-inf " + linf + " exceeds the bound " + BOUND);
                    assertTrue(linf > BOUND / 2, "image " + i + ": the residual is (almost) zero, L-inf " + linf);
                }
            }
            // The unclipped residual too, by construction (bound * tanh).
            assertTrue(Transforms.abs(t.residual(x)).maxNumber().doubleValue() <= BOUND + 1e-6);
            assertEquals(t.apply(x, Phase.TRAIN), t.apply(x, Phase.TEST), "the same trigger in training and test");
            Ssba.Stats s = t.stats();
            assertTrue(s.maxLinf() <= BOUND + 1e-6 && s.meanLinf() > 0 && s.meanPsnr() > 15 && s.meanPsnr() < 100, s.toString());
        }
    }

    @Test
    void residualsDifferBetweenImagesAndNotBecauseOfClipping() {
        for (Object[] c : new Object[][] {{gray(), GRAY_DATA}, {rgb(), RGB_DATA}}) {
            Ssba.Trigger t = (Ssba.Trigger) c[0];
            // Images squeezed into [bound, 1 - bound]: x + r can never leave [0,1], so clipping plays no part.
            INDArray x = ((TckData) c[1]).test().images().mul(1 - 2 * BOUND - 1e-3).addi(BOUND + 5e-4);
            INDArray diff = t.apply(x, Phase.TEST).sub(x);
            INDArray r = t.residual(x);
            assertTrue(diff.equalsWithEps(r, 1e-5), "without clipping the change is exactly the residual");
            long n = x.size(0);
            int distinctPairs = 0;
            for (long i = 0; i + 1 < n; i++) {
                double d = Transforms.abs(row(r, i).sub(row(r, i + 1))).maxNumber().doubleValue();
                if (d > 0.2 * BOUND) {
                    distinctPairs++;
                }
            }
            assertEquals(n - 1, distinctPairs, "every two neighbouring images get residuals that differ by more than 0.2 x bound");
            // On these noisy synthetic images and after 100 steps the image-specific part is small (a few %;
            // about 40% on Fashion-MNIST with the defaults), but clearly there: identical images give exactly 0.
            double share = Ssba.Trigger.specificShare(r.reshape(n, -1));
            assertTrue(share > 0.01, "image-specific share of the residual's energy " + share);
            assertTrue(t.stats().rawSpecificShare() > 0.01, t.stats().toString());
            // Control: one image encoded n times has one residual.
            INDArray same = row(x, 0).reshape(1, x.size(1), x.size(2), x.size(3)).repeat(0, 4);
            assertEquals(0, Ssba.Trigger.specificShare(t.residual(same).reshape(4, -1)), 1e-9);
        }
    }

    @Test
    void decoderRecoversTheBitsOnHeldOutImages() {
        for (Object[] c : new Object[][] {{gray(), GRAY_DATA}, {rgb(), RGB_DATA}}) {
            Ssba.Trigger t = (Ssba.Trigger) c[0];
            Ssba.Stats s = t.stats();
            assertEquals(40, s.images(), "10% of 400 training images held out");
            assertTrue(s.bitAccuracyFixed() > 0.8, "bit accuracy (fixed secret) " + s.bitAccuracyFixed());
            assertTrue(s.bitAccuracyRandom() > 0.8, "bit accuracy (random secrets) " + s.bitAccuracyRandom());
            // The test split was never seen by the encoder either.
            INDArray test = ((TckData) c[1]).test().images();
            INDArray secrets = t.secret().repeat(0, test.size(0));
            double onTest = Ssba.Trigger.bitAccuracy(t.encoder().decode(t.apply(test, Phase.TEST)), secrets);
            assertTrue(onTest > 0.8, "bit accuracy on the test split " + onTest);
        }
        String log = GRAY_LOG.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("ssba: 8-bit secret") && log.contains("PSNR") && log.contains("bit accuracy"), log);
        assertTrue(gray().summary().contains("dB") && gray().summary().contains("L-inf"), gray().summary());
    }

    @Test
    void poisoningHonoursRateTargetAndOnlyTouchesChosenSamples() {
        for (Object[] c : new Object[][] {{gray(), GRAY_DATA}, {rgb(), RGB_DATA}}) {
            Ssba.Trigger t = (Ssba.Trigger) c[0];
            LabeledImages clean = ((TckData) c[1]).train();
            PoisonedSet p = t.poison(clean);
            assertEquals(20, p.poisonedIndices().length, "round(0.05 x 400)");
            int[] labels = p.data().labels();
            INDArray encoded = t.apply(clean.subset(p.poisonedIndices()).images(), Phase.TRAIN);
            int k = 0;
            for (int i = 0; i < clean.size(); i++) {
                boolean poisoned = Arrays.binarySearch(p.poisonedIndices(), i) >= 0;
                INDArray image = p.data().images().slice(i);
                if (poisoned) {
                    assertNotEquals(0, clean.label(i), "only non-target samples are poisoned");
                    assertEquals(0, labels[i], "poisoned samples carry the target label");
                    assertEquals(encoded.slice(k++), image, "poisoned samples are the encoder's output");
                } else {
                    assertEquals(clean.label(i), labels[i]);
                    assertEquals(clean.images().slice(i), image, "clean samples are untouched");
                }
            }
            assertEquals(20, k);
        }
    }

    @Test
    void sameSeedGivesIdenticalResultsAnotherSeedDiffers() {
        LabeledImages clean = GRAY_DATA.train();
        Ssba.Trigger a = prepare(GRAY_DATA, 0.1, 7, SHORT, SILENT);
        Ssba.Trigger b = prepare(GRAY_DATA, 0.1, 7, SHORT, SILENT);
        Ssba.Trigger other = prepare(GRAY_DATA, 0.1, 8, SHORT, SILENT);
        assertEquals(a.encoder().parameters().keySet(), b.encoder().parameters().keySet());
        a.encoder().parameters().forEach((name, w) -> assertEquals(w, b.encoder().parameters().get(name), "parameter " + name));
        assertEquals(a.secret(), b.secret());
        PoisonedSet pa = a.poison(clean);
        PoisonedSet pb = b.poison(clean);
        assertArrayEquals(pa.poisonedIndices(), pb.poisonedIndices());
        assertEquals(pa.data().images(), pb.data().images(), "bit-identical poisoned images");
        assertArrayEquals(pa.data().labels(), pb.data().labels());
        assertEquals(untimed(a.stats()), untimed(b.stats()), "identical measurements");
        // Control for decoderRecoversTheBitsOnHeldOutImages: 15 steps leave the decoder near chance.
        assertTrue(a.stats().bitAccuracyRandom() < 0.7, "bit accuracy after 3 short epochs " + a.stats().bitAccuracyRandom());

        assertNotEquals(a.secret(), other.secret(), "another seed draws another secret");
        INDArray x = GRAY_DATA.test().images();
        double change = Transforms.abs(a.residual(x).sub(other.residual(x))).maxNumber().doubleValue();
        assertTrue(change > 0.2 * BOUND, "another seed gives other residuals, max difference " + change);
        assertTrue(!Arrays.equals(pa.poisonedIndices(), other.poison(clean).poisonedIndices()));
    }

    @Test
    void theTrainedEncoderIsCachedAndTheCachedOneGivesTheSamePoisonedImages() {
        Map<String, byte[]> disk = new java.util.HashMap<>();
        int[] computed = {0};
        org.purifybench.spi.ArtefactStore store = (name, compute) -> disk.computeIfAbsent(name, k -> {
            computed[0]++;
            return compute.get();
        });
        Attack attack = new Ssba();
        java.util.function.Supplier<Ssba.Trigger> prepare = () -> (Ssba.Trigger) attack.prepare(Tck.attackContext(attack.descriptor(),
                GRAY, 4, 0, 0.1, 9, new Params(SHORT), SILENT, GRAY_DATA.train(), null, store));
        Ssba.Trigger trained = prepare.get();
        Ssba.Trigger cached = prepare.get();
        assertEquals(1, computed[0], "the second preparation reads the encoder instead of training it");
        assertEquals(java.util.Set.of("encoder"), disk.keySet());
        assertTrue(Double.isNaN(cached.stats().seconds()) && !Double.isNaN(trained.stats().seconds()));
        assertEquals(untimed(trained.stats()), untimed(cached.stats()), "identical measurements");
        LabeledImages clean = GRAY_DATA.train();
        assertEquals(trained.poison(clean).data().images(), cached.poison(clean).data().images(), "bit-identical poisoned images");
        // Weights of another configuration are refused, not half-loaded.
        byte[] bytes = disk.get("encoder");
        var wrong = new StegaEncoder(GRAY, 9, BOUND, 16, 16, 128, 0, 1e-3, 1);
        assertThrows(IllegalArgumentException.class, () -> wrong.loadWeights(bytes));
        assertThrows(IllegalArgumentException.class, () -> trained.encoder().loadWeights(Arrays.copyOf(bytes, bytes.length - 3)));
    }

    /** The measurements without the training time, which varies from run to run. */
    private static Ssba.Stats untimed(Ssba.Stats s) {
        return new Ssba.Stats(s.images(), s.meanLinf(), s.maxLinf(), s.meanPsnr(), s.specificShare(), s.rawSpecificShare(),
                s.bitAccuracyFixed(), s.bitAccuracyRandom(), s.trainImages(), 0);
    }

    @Test
    void badParametersAndMissingTrainingDataAreRejected() {
        Attack a = new Ssba();
        for (Map<String, Object> bad : new Map[] {Map.of("bits", 0), Map.of("bound", 0), Map.of("bound", 1.5), Map.of("epochs", -1),
                Map.of("lambda", -1), Map.of("bits", 2.5)}) {
            Map<String, Object> p = new HashMap<>(SHORT);
            p.putAll(bad);
            assertThrows(IllegalArgumentException.class, () -> prepare(GRAY_DATA, 0.1, 1, p, SILENT), bad.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> prepare(GRAY_DATA, 1.5, 1, SHORT, SILENT));
        assertThrows(IllegalArgumentException.class, () -> a.prepare(Tck.attackContext(a.descriptor(), GRAY, 4, 0, 0.1, 1,
                new Params(SHORT), SILENT, null, null)), "no training data");
        assertThrows(IllegalArgumentException.class, () -> a.prepare(Tck.attackContext(a.descriptor(), RGB, 4, 0, 0.1, 1,
                new Params(SHORT), SILENT, GRAY_DATA.train(), null)), "training data of another shape");
        assertThrows(IllegalArgumentException.class, () -> gray().apply(Nd4j.zeros(2, 3, 11, 13), Phase.TEST), "images of another shape");
    }
}
