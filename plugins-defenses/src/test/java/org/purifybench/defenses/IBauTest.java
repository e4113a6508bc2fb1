package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

class IBauTest {

    /**
     * L_in = 1/2 delta A delta^T - delta B theta^T (row vectors), whose minimiser delta*(theta) solves
     * A delta = B theta; L_out = 1/2 ||delta - c||^2 + 1/2 ||theta||^2. By the implicit function
     * theorem dL_out(delta*(theta), theta)/dtheta = theta + (delta* - c) A^-1 B, which the fixed-point
     * method reaches as K grows (the spectral radius of I - alpha A is below 1 here).
     */
    @Test
    void fixedPointHypergradientReachesTheImplicitFunctionTheoremOnAQuadratic() {
        INDArray a = Nd4j.createFromArray(new double[][] {{3, 1, 0}, {1, 2, 0.5}, {0, 0.5, 1.5}});
        INDArray b = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 2}, {1, -1}});
        INDArray theta = Nd4j.createFromArray(new double[][] {{0.5, -1}});
        INDArray c = Nd4j.createFromArray(new double[][] {{1, 0, -1}});
        INDArray aInv = InvertMatrix.invert(a, false);
        INDArray deltaStar = theta.mmul(b.transpose()).mmul(aInv);
        ImplicitHypergradient.InnerLoss quadratic = new ImplicitHypergradient.InnerLoss() {
            @Override
            public INDArray hessianVector(INDArray delta, INDArray v, double eps) {
                return ImplicitHypergradient.gradientDifference(d -> d.mmul(a).subi(theta.mmul(b.transpose())), delta, v, eps);
            }

            @Override
            public Map<String, INDArray> gradTheta(INDArray delta) {
                return Map.of("theta", delta.mmul(b).negi());
            }
        };
        INDArray outerGradDelta = deltaStar.sub(c);
        Map<String, INDArray> outerGradTheta = Map.of("theta", theta.dup());
        INDArray expected = theta.add(outerGradDelta.mmul(aInv).mmul(b));

        Map<String, INDArray> hyper = new ImplicitHypergradient(400, 0.1, 1e-3).hypergradient(quadratic, deltaStar, outerGradDelta, outerGradTheta);
        double err = HvpTest.relativeError(hyper.get("theta"), expected);
        System.out.printf("fixed-point hypergradient, quadratic, K 400: relative error %.2e%n", err);
        assertTrue(err < 1e-9, "relative error " + err);

        // K 5: the truncated series theta - alpha v (-B), v = sum_{k<5} (I - alpha A)^k g.
        INDArray step = Nd4j.eye(3).castTo(DataType.DOUBLE).subi(a.mul(0.1));
        INDArray v = outerGradDelta.dup();
        for (int k = 1; k < 5; k++) {
            v = v.mmul(step).addi(outerGradDelta);
        }
        INDArray truncated = theta.add(v.mmul(b).muli(0.1));
        Map<String, INDArray> hyper5 = new ImplicitHypergradient(5, 0.1, 1e-3).hypergradient(quadratic, deltaStar, outerGradDelta, outerGradTheta);
        assertTrue(HvpTest.relativeError(hyper5.get("theta"), truncated) < 1e-9);
        assertTrue(HvpTest.relativeError(hyper5.get("theta"), expected) > 1e-3, "K 5 is not yet converged here");
        // K 0: the outer gradient alone.
        assertEquals(theta, new ImplicitHypergradient(0, 0.1, 1e-3).hypergradient(quadratic, deltaStar, outerGradDelta, outerGradTheta).get("theta"));
        assertEquals(Nd4j.createFromArray(new double[][] {{0.5, -1}}), outerGradTheta.get("theta"), "inputs untouched");
    }

    /**
     * I-BAU's hypergradient with K 5 on softmax regression against the same series built from the
     * exact Hessian and mixed-derivative matrices: g_theta - alpha M sum_{k<5} (I - alpha H)^k g_delta.
     */
    @Test
    void iBauHypergradientMatchesTheExactSeriesOnSoftmaxRegression() {
        HvpTest.Linear l = HvpTest.Linear.make(4);
        long d = l.delta().length();
        SplittableRandom r = new SplittableRandom(8);
        INDArray gDelta = HvpTest.random(r, DataType.DOUBLE, -1, 1, l.delta().shape());
        Map<String, INDArray> gTheta = new LinkedHashMap<>();
        l.model().parameters().forEach((k, p) -> gTheta.put(k, HvpTest.random(r, DataType.DOUBLE, -1, 1, p.shape())));

        INDArray h = Nd4j.zeros(DataType.DOUBLE, d, d);
        INDArray m = Nd4j.zeros(DataType.DOUBLE, l.model().flatParameters().length(), d);
        for (int j = 0; j < d; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, l.delta().shape());
            e.reshape(-1).putScalar(j, 1.0);
            h.putColumn(j, l.exactHv(e, 1, 1).reshape(-1));
            Map<String, INDArray> mixed = l.exactMixed(e, 1);
            m.putColumn(j, Nd4j.concat(0, mixed.get("W").reshape(-1), mixed.get("b").reshape(-1)));
        }
        INDArray g = gDelta.reshape(-1, 1);
        INDArray step = Nd4j.eye(d).castTo(DataType.DOUBLE).subi(h.mul(0.1));
        INDArray v = g.dup();
        for (int k = 1; k < 5; k++) {
            v = step.mmul(v).addi(g);
        }
        INDArray expected = Nd4j.concat(0, gTheta.get("W").reshape(-1), gTheta.get("b").reshape(-1)).subi(m.mmul(v).reshape(-1).muli(0.1));

        for (String hvp : new String[] {IBau.JACOBIAN, IBau.GRADIENT_DIFFERENCE}) {
            Map<String, INDArray> hyper = new ImplicitHypergradient(5, 0.1, 1e-4).hypergradient(l.inner(hvp), l.delta(), gDelta, gTheta);
            INDArray actual = Nd4j.concat(0, hyper.get("W").reshape(-1), hyper.get("b").reshape(-1));
            double err = HvpTest.relativeError(actual, expected);
            System.out.printf("I-BAU hypergradient (%s), softmax regression, K 5: relative error %.2e%n", hvp, err);
            assertTrue(err < 1e-7, "relative error " + err);
        }
    }

    @Test
    void outerLossPatchesTheSampledRowsOnlyAndHasExactGradients() {
        HvpTest.Linear l = HvpTest.Linear.make(5);
        SplittableRandom r = new SplittableRandom(2);
        int n = 8;
        LabeledImages batch = new LabeledImages(HvpTest.random(r, DataType.DOUBLE, 0, 1, n, 1, 3, 3), r.ints(n, 0, 4).toArray(), 4);
        var trainer = new LinearSoftmax.ExactTrainer();
        for (double portion : new double[] {0.25, 0.01}) {
            IBau.Outer outer = IBau.outer(l.model(), trainer, batch, l.delta(), portion, new SplittableRandom(3));
            int[] rows = IBau.sample(n, portion == 0.25 ? 2 : 1, new SplittableRandom(3));
            INDArray patched = batch.images().dup();
            for (int row : rows) {
                patched.slice(row).addi(l.delta().slice(0));
            }
            INDArray p = l.model().probabilities(patched).subi(LinearSoftmax.oneHot(batch.labels(), 4));
            INDArray expectedDelta = Nd4j.zeros(DataType.DOUBLE, 1, 9);
            for (int row : rows) {
                expectedDelta.addi(p.getRow(row).reshape(1, -1).mmul(l.model().w.transpose()).divi(n));
            }
            assertTrue(HvpTest.relativeError(outer.gradDelta(), expectedDelta.reshape(1, 1, 3, 3)) < 1e-12, "portion " + portion);
            Map<String, INDArray> expectedTheta = trainer.gradient(l.model(), patched, batch.labels());
            assertTrue(HvpTest.relativeError(outer.gradTheta(), expectedTheta) < 1e-12);
            assertEquals(IBau.meanCrossEntropy(l.model().logits(patched), batch.labels()), outer.loss(), 1e-12);
        }
    }

    /**
     * I-BAU's premise on the fixture's backdoored model: the universal perturbation flips most
     * predictions, and to the backdoor's target. Also: it stays in its ball, reports the clean
     * predictions and leaves the model alone.
     */
    @Test
    void universalPerturbationFindsTheFixturesTargetWithinItsBall() {
        TckFixture f = TckFixture.get();
        Model m = f.backdoored.copy();
        INDArray before = m.flatParameters();
        LabeledImages tuning = f.splits.tuning();
        int[] clean = new int[tuning.size()];
        INDArray delta = IBau.universalPerturbation(m, tuning, IBau.Settings.from(Params.empty()), clean);
        assertArrayEquals(m.predict(tuning.images()), clean);
        assertTrue(delta.norm2Number().doubleValue() <= 10 * (1 + 1e-6));
        int[] perturbed = m.predict(IBau.shifted(tuning.images(), delta));
        int flips = 0;
        int toTarget = 0;
        for (int i = 0; i < clean.length; i++) {
            if (perturbed[i] != clean[i]) {
                flips++;
                toTarget += perturbed[i] == f.trigger.targetLabel() ? 1 : 0;
            }
        }
        System.out.printf("universal perturbation on the fixture: norm %.2f, flips %d of %d predictions, %d of them to the target%n",
                delta.norm2Number().doubleValue(), flips, clean.length, toTarget);
        assertTrue(flips > clean.length / 2, flips + " flips");
        assertTrue(toTarget > 0.9 * flips, toTarget + " of " + flips + " flips to the target");
        INDArray small = IBau.universalPerturbation(m, tuning, IBau.Settings.from(new Params(Map.of("pert-radius", 0.5))), clean);
        assertEquals(0.5, small.norm2Number().doubleValue(), 1e-5, "projected onto the ball's surface");
        assertEquals(before, m.flatParameters());
    }

    @Test
    void sampleDrawsDistinctRowsDeterministically() {
        int[] a = IBau.sample(100, 7, new SplittableRandom(9));
        assertArrayEquals(a, IBau.sample(100, 7, new SplittableRandom(9)));
        assertEquals(7, java.util.Arrays.stream(a).distinct().count());
        assertTrue(java.util.Arrays.stream(a).allMatch(i -> i >= 0 && i < 100));
    }

    @Test
    void adamTakesBiasCorrectedSteps() {
        INDArray w = Nd4j.createFromArray(1.0, -2.0, 0.5);
        IBau.Adam adam = new IBau.Adam(Map.of("w", w), 0.01);
        INDArray g1 = Nd4j.createFromArray(0.3, -4.0, 0.0);
        INDArray g2 = Nd4j.createFromArray(0.1, 1.0, 2.0);
        adam.step(Map.of("w", g1));
        // First step: m^ = g, v^ = g^2, so each weight moves by lr * g / (|g| + 1e-8).
        assertEquals(1.0 - 0.01 * 0.3 / (0.3 + 1e-8), w.getDouble(0), 1e-15);
        assertEquals(-2.0 + 0.01 * 4.0 / (4.0 + 1e-8), w.getDouble(1), 1e-15);
        assertEquals(0.5, w.getDouble(2), 0.0);
        double[] before = w.toDoubleVector();
        adam.step(Map.of("w", g2));
        for (int i = 0; i < 3; i++) {
            double m = (0.9 * 0.1 * g1.getDouble(i) + 0.1 * g2.getDouble(i)) / (1 - 0.81);
            double v = (0.999 * 0.001 * g1.getDouble(i) * g1.getDouble(i) + 0.001 * g2.getDouble(i) * g2.getDouble(i)) / (1 - 0.999 * 0.999);
            assertEquals(before[i] - 0.01 * m / (Math.sqrt(v) + 1e-8), w.getDouble(i), 1e-15);
        }
    }

    @Test
    void settingsHaveTheReferenceDefaultsAndRejectNonsense() {
        IBau.Settings s = IBau.Settings.from(Params.empty());
        assertEquals(new IBau.Settings(5, 5, 0.1, 10, 10, 0.001, 1e-4, 0.01, 100, 0.1, IBau.JACOBIAN), s);
        assertThrows(IllegalArgumentException.class, () -> IBau.Settings.from(new Params(Map.of("batch-size", 1))));
        assertThrows(IllegalArgumentException.class, () -> IBau.Settings.from(new Params(Map.of("portion", 2))));
        assertThrows(IllegalArgumentException.class, () -> IBau.Settings.from(new Params(Map.of("fd-eps", 0))));
        assertThrows(IllegalArgumentException.class, () -> IBau.Settings.from(new Params(Map.of("hvp", "exact"))));
    }
}
