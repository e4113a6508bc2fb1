package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckFixture;

class PathAwareAndInversionTest {

    @Test
    void pamStepEqualsAHandComputedStepOnATinyModel() {
        TckFixture f = TckFixture.get();
        // A tiny double-precision model: W0 its initial weights, W = W0 + a fixed displacement.
        Model w0 = Tck.cnnSmall(TckFixture.SHAPE, TckFixture.CLASSES, 2, "double", 7);
        Model model = w0.copy();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        model.parameters().values().forEach(p -> p.addi(Nd4j.create(r.doubles(p.length(), -0.05, 0.05).toArray(), p.shape(), DataType.DOUBLE)));
        LabeledImages batch = f.splits.tuning().range(0, 16);
        double rho = 0.3;
        double lr = 0.1;

        // By hand: Wd = W0 - W, W~ = W + rho Wd / ||Wd||, W' = W - lr * grad(W~).
        double sq = 0;
        for (String k : w0.parameters().keySet()) {
            double n = w0.parameters().get(k).sub(model.parameters().get(k)).norm2Number().doubleValue();
            sq += n * n;
        }
        Model interpolated = model.copy();
        for (String k : w0.parameters().keySet()) {
            INDArray wd = w0.parameters().get(k).sub(model.parameters().get(k));
            interpolated.parameters().get(k).addi(wd.muli(rho / Math.sqrt(sq)));
        }
        Map<String, INDArray> g = f.host.trainer().gradient(interpolated, batch.images(), batch.labels());
        Map<String, INDArray> expected = new HashMap<>();
        model.parameters().forEach((k, v) -> expected.put(k, v.sub(g.get(k).mul(lr))));

        PathAwareStep pam = new PathAwareStep(w0, rho);
        f.host.trainer().train(model, batch, new TrainConfig(1, 16, lr, 0, false, 0, "constant"), new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext step) {
                return pam.gradient(step.model(), step::gradient);
            }
        }, 1, "test");
        for (String k : expected.keySet()) {
            assertTrue(expected.get(k).equalsWithEps(model.parameters().get(k), 1e-10), k);
        }
    }

    @Test
    void pamOffsetHasSizeRhoTowardW0AndIsUndefinedAtW0() {
        Map<String, INDArray> w0 = Map.of("a", Nd4j.createFromArray(1.0, 1.0), "b", Nd4j.createFromArray(2.0));
        Map<String, INDArray> w = Map.of("a", Nd4j.createFromArray(4.0, 1.0), "b", Nd4j.createFromArray(6.0));
        var model = new FakeModel(w0);
        PathAwareStep pam = new PathAwareStep(model, 0.5);
        // Wd = (-3, 0, -4), ||Wd|| = 5: offset = 0.5 * Wd / 5.
        Map<String, INDArray> o = pam.offset(w);
        assertEquals(-0.3, o.get("a").getDouble(0), 1e-12);
        assertEquals(0.0, o.get("a").getDouble(1), 1e-12);
        assertEquals(-0.4, o.get("b").getDouble(0), 1e-12);
        assertNull(pam.offset(w0));
    }

    @Test
    void generatorStaysWithinItsNormBoundAndDependsOnTheImage() {
        TckFixture f = TckFixture.get();
        INDArray x = f.splits.tuning().range(0, 20).images();
        for (double bound : new double[] {0.001, 0.02}) {
            TriggerGenerator g = new TriggerGenerator(TckFixture.SHAPE, bound, 0.05, 4);
            // Push the generator hard toward large changes: the bound must still hold.
            for (int i = 0; i < 5; i++) {
                g.step(x, Nd4j.ones(DataType.FLOAT, x.shape()).negi());
            }
            INDArray gx = g.apply(x);
            assertTrue(gx.minNumber().doubleValue() >= 0 && gx.maxNumber().doubleValue() <= 1, "images stay in [0,1]");
            INDArray d = gx.sub(x.castTo(DataType.FLOAT));
            INDArray mse = d.mul(d).mean(1, 2, 3);
            assertTrue(mse.maxNumber().doubleValue() <= bound * (1 + 1e-5), "bound " + bound + " broken: " + mse.maxNumber());
            assertTrue(mse.minNumber().doubleValue() > 0, "the generator changes the images");
            assertNotEquals(d.slice(0), d.slice(1), "the residual is image-specific");
        }
    }

    @Test
    void inversionIsDeterministicAndFindsTheFixturesTarget() {
        TckFixture f = TckFixture.get();
        Params p = new Params(Map.of("mask-epochs", 10, "generator-epochs", 30, "refine-epochs", 2));
        long t0 = System.nanoTime();
        var a = TriggerInversion.run(f.backdoored.copy(), f.splits.tuning(), p, 5, f.host, null);
        System.out.printf("inversion: %.1f s, target %d, share %.2f%n", (System.nanoTime() - t0) / 1e9, a.target(), a.targetShare());
        var b = TriggerInversion.run(f.backdoored.copy(), f.splits.tuning(), p, 5, f.host, null);
        INDArray x = f.splits.tuning().range(0, 10).images();
        assertEquals(a.generator().apply(x), b.generator().apply(x));
        assertEquals(a.target(), b.target());
        assertEquals(f.trigger.targetLabel(), a.target(), "the fixture's corner trigger targets class " + f.trigger.targetLabel());
    }

    @Test
    void inversionMemoSharesOnlyIdenticalInversions() {
        TckFixture f = TckFixture.get();
        Params p = new Params(Map.of("mask-epochs", 1, "generator-epochs", 1, "refine-epochs", 1));
        int[] computed = {0};
        var cell = f.defenseContext(new Pam().descriptor(), 1, p); // its cellMemo stands for the cell's
        java.util.function.Function<Model, TriggerInversion.Result> invert = m -> InversionMemo.get(cell, m, f.splits.tuning(), p, 1, () -> {
            computed[0]++;
            return TriggerInversion.run(m, f.splits.tuning(), p, 1, f.host, null);
        });
        var first = invert.apply(f.backdoored.copy());
        assertTrue(first == invert.apply(f.backdoored.copy()), "same weights, data, parameters and seed: shared");
        assertEquals(1, computed[0]);
        Model other = f.backdoored.copy();
        other.parameters().get("fc_b").addi(1e-3);
        invert.apply(other);
        assertEquals(2, computed[0], "other weights: computed again");
        assertNotEquals(InversionMemo.key(f.backdoored, f.splits.tuning(), p, 1), InversionMemo.key(f.backdoored, f.splits.tuning(), p, 2));
        assertNotEquals(InversionMemo.key(f.backdoored, f.splits.tuning(), p, 1),
                InversionMemo.key(f.backdoored, f.splits.tuning(), p.with(Map.of("norm-bound", 0.01)), 1));
    }

    @Test
    void benignMaskIsInUnitIntervalAndDeterministic() {
        TckFixture f = TckFixture.get();
        INDArray m = TriggerInversion.benignMask(f.backdoored, f.splits.tuning(), 3, 2);
        assertEquals(f.backdoored.parameters().get("fc_W").size(0), m.length(), "one value per input of the classifier layer");
        assertTrue(m.minNumber().doubleValue() >= 0 && m.maxNumber().doubleValue() <= 1);
        assertEquals(m, TriggerInversion.benignMask(f.backdoored, f.splits.tuning(), 3, 2));
    }

    @Test
    void mixReplacesTheShareOfRowsDeterministically() {
        TckFixture f = TckFixture.get();
        TriggerGenerator g = new TriggerGenerator(TckFixture.SHAPE, 0.02, 0.01, 1);
        ReversedMixStep mix = new ReversedMixStep(g, 0.2, 9, StepRule.PLAIN);
        INDArray x = f.splits.tuning().range(0, 20).images();
        INDArray mixed = mix.mix(x, 3);
        int changed = 0;
        for (int i = 0; i < 20; i++) {
            if (!mixed.slice(i).equals(x.slice(i))) {
                changed++;
            }
        }
        assertEquals(4, changed);
        assertEquals(mixed, mix.mix(x, 3));
        assertNotEquals(mixed, mix.mix(x, 4));
    }

    @Test
    void pamGridIsDescendingAndRejectsNonsense() {
        assertEquals(List.of(0.9, 0.5, 0.1), Pam.grid("0.1, 0.9,0.5"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Pam.grid("0.5,x"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Pam.grid("-1"));
    }

    /** Just enough of a model for the PAM offset: named parameters. */
    private static final class FakeModel implements org.purifybench.spi.Model {
        private final Map<String, INDArray> params;

        FakeModel(Map<String, INDArray> params) {
            this.params = params;
        }

        @Override public String architecture() { return "fake"; }
        @Override public org.purifybench.spi.ImageShape inputShape() { return TckFixture.SHAPE; }
        @Override public int numClasses() { return 2; }
        @Override public org.purifybench.spi.Model copy() { throw new UnsupportedOperationException(); }
        @Override public INDArray logits(INDArray images) { throw new UnsupportedOperationException(); }
        @Override public int[] predict(INDArray images) { throw new UnsupportedOperationException(); }
        @Override public Map<String, INDArray> parameters() { return params; }
        @Override public Map<String, INDArray> state() { return Map.of(); }
        @Override public INDArray flatParameters() { throw new UnsupportedOperationException(); }
        @Override public void setFlatParameters(INDArray flat) { throw new UnsupportedOperationException(); }
        @Override public void copyFrom(org.purifybench.spi.Model other) { throw new UnsupportedOperationException(); }
    }
}
