package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.tck.TckFixture;

/** The reference-code behaviour behind the defenses' defaults (docs/methods.md). */
class ReferenceDefaultsTest {
    private static final Params QUICK_INVERSION = new Params(Map.of("mask-epochs", 2, "generator-epochs", 1, "refine-epochs", 1));

    @Test
    void defaultsAreTheReferenceCodes() {
        assertEquals(new TrainConfig(30, 128, 0.01, 0.1, false, 0, "constant", TrainConfig.SGD, TrainConfig.CROP_FLIP), Pam.DEFAULTS);
        assertEquals(3, Pam.ROUNDS);
        assertEquals(TrainConfig.ADAM, BtiDbf.DEFAULTS.optimizer());
        assertEquals(1e-4, BtiDbf.DEFAULTS.learningRate());
        assertEquals(20, ExactPurification.DEFAULTS.epochs());
        TrainConfig fromParams = FineTuning.config(new Params(Map.of("optimizer", "adam", "augmentation", "none", "momentum", 0.5)), Pam.DEFAULTS);
        assertEquals(new TrainConfig(30, 128, 0.01, 0.5, false, 0, "constant", TrainConfig.ADAM, TrainConfig.NO_AUGMENTATION), fromParams);
        assertThrows(IllegalArgumentException.class, () -> FineTuning.config(new Params(Map.of("optimizer", "adagrad")), Pam.DEFAULTS));
    }

    @Test
    void ftSamSmoothsLabelsAsBackdoorBench() {
        INDArray y = FtSam.smoothed(new int[] {2, 0}, 4, 0.1);
        assertEquals(0.9, y.getDouble(0, 2), 1e-6);
        assertEquals(0.1 / 3, y.getDouble(0, 0), 1e-6);
        assertEquals(0.9, y.getDouble(1, 0), 1e-6);
        assertEquals(1.0, y.getRow(0).sumNumber().doubleValue(), 1e-6);
        TckFixture f = TckFixture.get();
        assertThrows(IllegalArgumentException.class, () -> new FtSam().purify(f.defenseContext(new FtSam().descriptor(), 1,
                new Params(Map.of("label-smoothing", 1.0)))));
    }

    @Test
    void aCopiedGeneratorIsIndependentOfItsSource() {
        TckFixture f = TckFixture.get();
        TriggerGenerator g = new TriggerGenerator(TckFixture.SHAPE, 0.02, 0.01, 4);
        INDArray x = f.splits.tuning().range(0, 8).images();
        g.step(x, x.mul(0.3)); // some optimiser state
        TriggerGenerator c = g.copy();
        assertEquals(g.apply(x), c.apply(x), "same weights");
        INDArray before = g.apply(x);
        c.step(x, x.mul(-1));
        assertEquals(before, g.apply(x), "training the copy leaves the source alone");
        assertNotEquals(before, c.apply(x));
        // The same step from the same state gives the same weights: the optimiser state was copied.
        TriggerGenerator c2 = g.copy();
        g.step(x, x.mul(0.7));
        c2.step(x, x.mul(0.7));
        assertEquals(g.apply(x), c2.apply(x));
    }

    @Test
    void featureMatchingAddsALinearFeatureTermToTheMixedBatchCrossEntropy() {
        TckFixture f = TckFixture.get();
        Model m = f.backdoored.copy();
        LabeledImages batch = f.splits.tuning().range(0, 32);
        TriggerGenerator g = new TriggerGenerator(TckFixture.SHAPE, 0.02, 0.01, 4);
        ReversedMixStep mixer = new ReversedMixStep(g, 0.25, 3, StepRule.PLAIN);
        Map<Double, Map<String, INDArray>> byWeight = new HashMap<>();
        Map<String, INDArray>[] plain = new Map[1];
        StepHook probe = new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext step) {
                plain[0] = step.gradient(mixer.mix(step.images(), step.iteration()), step.labels());
                for (double w : new double[] {0, 1, 2}) {
                    byWeight.put(w, new FeatureMatchingStep(mixer, w).gradient(step));
                }
                return plain[0];
            }
        };
        f.host.trainer().train(m, batch, new TrainConfig(1, 32, 0, 0, false, 0, "constant"), probe, 1, "probe");
        double term = 0;
        for (String k : plain[0].keySet()) {
            assertTrue(byWeight.get(0.0).get(k).equalsWithEps(plain[0].get(k), 1e-6), "weight 0 is CE on the mixed batch: " + k);
            INDArray one = byWeight.get(1.0).get(k).sub(plain[0].get(k));
            INDArray two = byWeight.get(2.0).get(k).sub(plain[0].get(k));
            assertTrue(two.equalsWithEps(one.mul(2), 1e-4 + 1e-3 * one.norm2Number().doubleValue()), "linear in the weight: " + k);
            term += one.norm2Number().doubleValue();
        }
        assertTrue(term > 0, "the generated rows' features differ from the clean ones': the term pulls");
        assertThrows(IllegalArgumentException.class, () -> new FeatureMatchingStep(mixer, -1));
    }

    @Test
    void fstAutoTakesTheLargestAlphaWithinTheBudgetElseTheMostAccurate() {
        TckFixture f = TckFixture.get();
        FeatureShiftTuning fst = new FeatureShiftTuning();
        Map<String, Object> base = Map.of("epochs", 1, "samples", 60);
        Model a3 = fst.purify(f.defenseContext(fst.descriptor(), 2, new Params(base).with(Map.of("alpha", 0.3))));
        Model a0 = fst.purify(f.defenseContext(fst.descriptor(), 2, new Params(base).with(Map.of("alpha", 0))));
        Model generous = fst.purify(f.defenseContext(fst.descriptor(), 2,
                new Params(base).with(Map.of("alpha-grid", "0,0.3", "cacc-budget", 1.0))));
        assertEquals(a3.flatParameters(), generous.flatParameters(), "any budget fits: the largest alpha, tried first");
        Model impossible = fst.purify(f.defenseContext(fst.descriptor(), 2,
                new Params(base).with(Map.of("alpha-grid", "0,0.3", "cacc-budget", -1.0))));
        LabeledImages validation = f.splits.validation();
        Model best = f.host.trainer().accuracy(a3, validation) >= f.host.trainer().accuracy(a0, validation) ? a3 : a0;
        assertEquals(best.flatParameters(), impossible.flatParameters(), "nothing fits: the most accurate candidate");
        assertThrows(IllegalArgumentException.class, () -> fst.purify(f.defenseContext(fst.descriptor(), 2,
                new Params(base).with(Map.of("alpha", "-0.1")))));
    }

    @Test
    void pamRoundsReinvertOnAPrivateGeneratorAndChangeTheResult() {
        TckFixture f = TckFixture.get();
        Pam pam = new Pam();
        Params p = QUICK_INVERSION.with(Map.of("epochs", 1, "rho", 0.5, "augmentation", "none"));
        var ctx = f.defenseContext(pam.descriptor(), 5, p.with(Map.of("rounds", 1)));
        TriggerInversion.Result shared = Pam.firstInversion(ctx);
        INDArray x = f.splits.tuning().range(0, 8).images();
        INDArray sharedOutput = shared.generator().apply(x);
        Model one = pam.purify(ctx);
        Model two = pam.purify(f.defenseContext(pam.descriptor(), 5, p.with(Map.of("rounds", 2))));
        Model twoAgain = pam.purify(f.defenseContext(pam.descriptor(), 5, p.with(Map.of("rounds", 2))));
        assertNotEquals(one.flatParameters(), two.flatParameters(), "a second round trains further");
        assertEquals(two.flatParameters(), twoAgain.flatParameters(), "deterministic for a seed");
        assertEquals(sharedOutput, Pam.firstInversion(ctx).generator().apply(x), "the memoised round-1 generator is not trained further");
        assertThrows(IllegalArgumentException.class, () -> pam.purify(f.defenseContext(pam.descriptor(), 5, p.with(Map.of("rounds", 0)))));
    }
}
