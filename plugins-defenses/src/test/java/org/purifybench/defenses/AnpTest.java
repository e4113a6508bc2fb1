package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.Trainer;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckFixture;

class AnpTest {
    private static final ImageShape SHAPE = new ImageShape(1, 8, 8);
    private final Trainer trainer = Tck.quietHost().trainer();

    /** A double-precision model whose BN scales and shifts are random (at init the shifts are 0, hiding shift gradients). */
    private static Model randomisedModel() {
        Model m = Tck.cnnSmall(SHAPE, 3, 2, "double", 11);
        SplittableRandom r = new SplittableRandom(5);
        for (var bn : m.batchNormLayers()) {
            INDArray g = m.parameters().get(bn.scale());
            INDArray b = m.parameters().get(bn.shift());
            for (int c = 0; c < bn.channels(); c++) {
                g.putScalar(c, 0.5 + r.nextDouble());
                b.putScalar(c, r.nextDouble() - 0.5);
            }
        }
        return m;
    }

    private static INDArray images(int n) {
        return Nd4j.rand(DataType.DOUBLE, n, SHAPE.channels(), SHAPE.height(), SHAPE.width());
    }

    private static INDArray oneHot(int[] labels) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, labels.length, 3);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    @Test
    void maskAndNoiseGradientsMatchFiniteDifferencesOfTheLoss() {
        Nd4j.getRandom().setSeed(3);
        Model m = randomisedModel();
        INDArray x = images(6);
        int[] y = {0, 1, 2, 0, 1, 2};
        NeuronMasks masks = new NeuronMasks(m);
        SplittableRandom r = new SplittableRandom(9);
        masks.mask.forEach(a -> a.assign(Nd4j.rand(DataType.DOUBLE, a.shape()).muli(0.7).addi(0.3)));
        masks.randomNoise(0.4, r);
        masks.apply(true);
        var g = trainer.gradient(m, x, y);
        List<INDArray> dScale = masks.scaleCoefficientGradient(g);
        List<INDArray> dShift = masks.shiftCoefficientGradient(g);
        double h = 1e-5;
        int checked = 0;
        for (int layer = 0; layer < masks.layers().size(); layer += 2) {
            for (int c = 0; c < masks.layers().get(layer).channels(); c++) {
                INDArray mk = masks.mask.get(layer).reshape(-1);
                double fd = centralDifference(m, masks, mk, c, h, x, y);
                assertEquals(fd, dScale.get(layer).reshape(-1).getDouble(c), 1e-6 + 1e-4 * Math.abs(fd), "dL/dmask layer " + layer + " neuron " + c);
                INDArray xi = masks.shiftNoise.get(layer).reshape(-1);
                double fdShift = centralDifference(m, masks, xi, c, h, x, y);
                assertEquals(fdShift, dShift.get(layer).reshape(-1).getDouble(c), 1e-6 + 1e-4 * Math.abs(fdShift), "dL/dxi layer " + layer + " neuron " + c);
                checked++;
            }
        }
        assertTrue(checked >= 4);
        assertTrue(dShift.stream().anyMatch(a -> a.amaxNumber().doubleValue() > 1e-4), "the shift gradients are not trivially zero");
    }

    private static double centralDifference(Model m, NeuronMasks masks, INDArray coefficient, int c, double h, INDArray x, int[] y) {
        double v = coefficient.getDouble(c);
        coefficient.putScalar(c, v + h);
        masks.apply(true);
        double plus = Tck.trainingLoss(m, x, oneHot(y));
        coefficient.putScalar(c, v - h);
        masks.apply(true);
        double minus = Tck.trainingLoss(m, x, oneHot(y));
        coefficient.putScalar(c, v);
        masks.apply(true);
        return (plus - minus) / (2 * h);
    }

    @Test
    void masksAreClippedToTheUnitIntervalAndNoiseToEps() {
        Model m = randomisedModel();
        NeuronMasks masks = new NeuronMasks(m);
        INDArray first = masks.mask.get(0).reshape(-1);
        first.putScalar(0, -0.5);
        first.putScalar(1, 1.7);
        masks.clipMasks();
        assertEquals(0.0, first.getDouble(0));
        assertEquals(1.0, first.getDouble(1));
        masks.scaleNoise.forEach(a -> a.assign(0));
        masks.shiftNoise.forEach(a -> a.assign(0.1));
        List<INDArray> huge = masks.scaleNoise.stream().map(a -> Nd4j.onesLike(a).muli(1e6)).toList();
        List<INDArray> negative = masks.shiftNoise.stream().map(a -> Nd4j.onesLike(a).muli(-1e6)).toList();
        masks.ascendNoise(huge, negative, 0.4, 0.4);
        for (int i = 0; i < masks.layers().size(); i++) {
            // 0 + 0.4 * sign(1e6) = 0.4 exactly; 0.1 - 0.4 * sign(...) = -0.3: a signed step, not a gradient step.
            assertEquals(0.4, masks.scaleNoise.get(i).minNumber().doubleValue(), 1e-12);
            assertEquals(-0.3, masks.shiftNoise.get(i).maxNumber().doubleValue(), 1e-12);
        }
        masks.ascendNoise(huge, negative, 0.4, 0.4);
        for (int i = 0; i < masks.layers().size(); i++) {
            assertEquals(0.4, masks.scaleNoise.get(i).maxNumber().doubleValue(), 1e-12, "clipped at +eps");
            assertEquals(-0.4, masks.shiftNoise.get(i).minNumber().doubleValue(), 1e-12, "clipped at -eps");
        }
        masks.randomNoise(0.4, new SplittableRandom(2));
        for (INDArray n : masks.scaleNoise) {
            assertTrue(n.amaxNumber().doubleValue() <= 0.4 && n.amaxNumber().doubleValue() > 0);
        }
    }

    @Test
    void pruningZeroesExactlyTheScalesOfNeuronsBelowTheThreshold() {
        Model m = randomisedModel();
        Map<String, INDArray> before = new java.util.HashMap<>();
        m.parameters().forEach((k, v) -> before.put(k, v.dup()));
        NeuronMasks masks = new NeuronMasks(m);
        SplittableRandom r = new SplittableRandom(4);
        int expected = 0;
        for (INDArray mk : masks.mask) {
            INDArray flat = mk.reshape(-1);
            for (int c = 0; c < flat.length(); c++) {
                double v = r.nextDouble();
                flat.putScalar(c, v);
                expected += v < 0.5 ? 1 : 0;
            }
        }
        masks.apply(true); // pruning must start from the original parameters, not from masked/noisy ones
        assertEquals(expected, masks.pruneBelow(0.5));
        for (int i = 0; i < masks.layers().size(); i++) {
            var bn = masks.layers().get(i);
            INDArray scale = m.parameters().get(bn.scale()).reshape(-1);
            INDArray original = before.get(bn.scale()).reshape(-1);
            for (int c = 0; c < bn.channels(); c++) {
                double want = masks.mask.get(i).reshape(-1).getDouble(c) < 0.5 ? 0 : original.getDouble(c);
                assertEquals(want, scale.getDouble(c), 0.0, bn.scale() + "[" + c + "]");
            }
            assertEquals(before.get(bn.shift()), m.parameters().get(bn.shift()), "shifts are never pruned");
        }
        before.forEach((k, v) -> {
            if (!k.endsWith("_gamma")) {
                assertEquals(v, m.parameters().get(k), k + " untouched");
            }
        });
        assertEquals(0, masks.pruneBelow(0.0), "threshold 0 prunes nothing");
        assertEquals(before, m.parameters(), "and restores everything");
    }

    @Test
    void theThresholdIsTheLargestWithinTheValidationBudget() {
        assertEquals(3, Anp.chooseThreshold(0.90, List.of(0.90, 0.89, 0.87, 0.91, 0.85), 0.02));
        assertEquals(1, Anp.chooseThreshold(0.90, List.of(0.90, 0.885, 0.5, 0.2), 0.02));
        assertEquals(0, Anp.chooseThreshold(0.90, List.of(0.90, 0.7), 0.0));
    }

    @Test
    void learnedMasksMoveStayInRangeAndAreSeeded() {
        TckFixture f = TckFixture.get();
        Params p = new Params(Map.of("iterations", 12, "batch-size", 32));
        var first = learn(f, p, 3);
        var again = learn(f, p, 3);
        var other = learn(f, p, 4);
        double min = 1;
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i), again.get(i), "same seed, same masks");
            assertTrue(first.get(i).minNumber().doubleValue() >= 0 && first.get(i).maxNumber().doubleValue() <= 1);
            min = Math.min(min, first.get(i).minNumber().doubleValue());
        }
        assertTrue(min < 0.99, "12 iterations moved some mask below 1: min " + min);
        boolean differs = false;
        for (int i = 0; i < first.size(); i++) {
            differs |= !first.get(i).equals(other.get(i));
        }
        assertTrue(differs, "another seed draws other batches and noise");
    }

    private static List<INDArray> learn(TckFixture f, Params p, long seed) {
        var ctx = f.defenseContext(new Anp().descriptor(), seed, p);
        var model = ctx.backdooredModel();
        INDArray before = model.flatParameters();
        NeuronMasks masks = new NeuronMasks(model);
        Anp.learnMasks(ctx, model, ctx.requireTuningData(), masks, Anp.Settings.of(p));
        assertEquals(before, model.flatParameters(), "mask learning leaves the parameters as found");
        return masks.mask.stream().map(INDArray::dup).toList();
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Anp.Settings.of(new Params(Map.of("alpha", 1.5))));
        assertThrows(IllegalArgumentException.class, () -> Anp.Settings.of(new Params(Map.of("threshold-step", 0))));
    }
}
