package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

class SamAndFstTest {
    private static double dot(Map<String, INDArray> a, Map<String, INDArray> b) {
        double s = 0;
        for (String k : a.keySet()) {
            s += a.get(k).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).mul(b.get(k).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).sumNumber().doubleValue();
        }
        return s;
    }

    @Test
    void samPerturbationHasSizeRhoAlongTheGradient() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        Map<String, INDArray> g = new LinkedHashMap<>();
        w.put("a", Nd4j.createFromArray(1.0, -2.0));
        w.put("b", Nd4j.createFromArray(0.5));
        g.put("a", Nd4j.createFromArray(3.0, 0.0));
        g.put("b", Nd4j.createFromArray(4.0));
        Map<String, INDArray> e = new SharpnessAwareStep(0.5, false).perturbation(w, g);
        // ||g|| = 5: e = 0.5 * g / 5.
        assertEquals(0.3, e.get("a").getDouble(0), 1e-12);
        assertEquals(0.0, e.get("a").getDouble(1), 1e-12);
        assertEquals(0.4, e.get("b").getDouble(0), 1e-12);
        assertEquals(0.5, Math.sqrt(dot(e, e)), 1e-12);
        // Adaptive: e = rho T^2 g / ||T g||, T = |w|: T g = (3, 0, 2), ||T g|| = sqrt(13).
        Map<String, INDArray> ea = new SharpnessAwareStep(0.5, true).perturbation(w, g);
        assertEquals(0.5 * 3 / Math.sqrt(13), ea.get("a").getDouble(0), 1e-12);
        assertEquals(0.5 * 0.25 * 4 / Math.sqrt(13), ea.get("b").getDouble(0), 1e-12);
        assertTrue(dot(ea, g) > 0, "ascent direction");
    }

    @Test
    void samStepTakesTheGradientAtThePerturbedPointAndRestoresTheWeights() {
        TckFixture f = TckFixture.get();
        Model m = f.backdoored.copy();
        INDArray before = m.flatParameters();
        var step = new SharpnessAwareStep(0.05, false);
        var images = f.splits.tuning().range(0, 32);
        Map<String, INDArray>[] seen = new Map[1];
        f.host.trainer().train(m, images, new org.purifybench.spi.TrainConfig(1, 32, 0.0, 0, false, 0, "constant"),
                new org.purifybench.spi.StepHook() {
                    @Override
                    public Map<String, INDArray> gradient(org.purifybench.spi.StepContext ctx) {
                        seen[0] = step.gradient(ctx);
                        return seen[0];
                    }
                }, 1, "test");
        assertEquals(before, m.flatParameters(), "with lr 0 the weights are back where they were");
        // The returned gradient is the one at w + e, not at w.
        Model shifted = f.backdoored.copy();
        Map<String, INDArray> g0 = f.host.trainer().gradient(shifted, images.images(), images.labels());
        Map<String, INDArray> e = step.perturbation(shifted.parameters(), g0);
        e.forEach((k, v) -> shifted.parameters().get(k).addi(v));
        Map<String, INDArray> g1 = f.host.trainer().gradient(shifted, images.images(), images.labels());
        for (String k : g1.keySet()) {
            assertTrue(g1.get(k).equalsWithEps(seen[0].get(k), 1e-5), k);
        }
    }

    @Test
    void fstKeepsTheHeadNormAndMovesAwayFromTheOriginalHead() {
        TckFixture f = TckFixture.get();
        INDArray orig = f.backdoored.parameters().get("fc_W").dup();
        Model m = new FeatureShiftTuning().purify(f.defenseContext(new FeatureShiftTuning().descriptor(), 3,
                new Params(Map.of("epochs", 2, "alpha", 0.2))));
        INDArray w = m.parameters().get("fc_W");
        assertEquals(orig.norm2Number().doubleValue(), w.norm2Number().doubleValue(), 1e-4 * orig.norm2Number().doubleValue());
        double cos = w.mul(orig).sumNumber().doubleValue() / (w.norm2Number().doubleValue() * orig.norm2Number().doubleValue());
        assertTrue(cos < 0.5, "the new head is pushed away from the backdoored one: cosine " + cos);
    }
}
