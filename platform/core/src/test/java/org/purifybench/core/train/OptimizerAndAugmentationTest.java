package org.purifybench.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.core.model.Optimizer;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

class OptimizerAndAugmentationTest {
    private static final ImageShape SHAPE = new ImageShape(1, 12, 12);

    @Test
    void adamFollowsTheBiasCorrectedUpdateWithL2WeightDecay() {
        TrainConfig cfg = new TrainConfig(1, 1, 0.01, 0, false, 0.1, "constant", TrainConfig.ADAM, TrainConfig.NO_AUGMENTATION);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("w", Nd4j.createFromArray(1.0, -2.0));
        Optimizer adam = Optimizer.of(cfg, w);
        double[] x = {1.0, -2.0};
        double[] m = new double[2];
        double[] v = new double[2];
        double[][] grads = {{0.5, -1.0}, {0.25, 3.0}, {-1.0, 0.0}};
        for (int t = 1; t <= grads.length; t++) {
            adam.apply(w, Map.of("w", Nd4j.createFromArray(grads[t - 1])), 0.01);
            for (int i = 0; i < 2; i++) {
                double g = grads[t - 1][i] + 0.1 * x[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mh = m[i] / (1 - Math.pow(0.9, t));
                double vh = v[i] / (1 - Math.pow(0.999, t));
                x[i] -= 0.01 * mh / (Math.sqrt(vh) + 1e-8);
            }
            assertArrayEquals(x, w.get("w").toDoubleVector(), 1e-12, "step " + t);
        }
    }

    @Test
    void sgdMomentumIsPyTorchsHeavyBall() {
        TrainConfig cfg = new TrainConfig(1, 1, 0.1, 0.5, false, 0, "constant");
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("w", Nd4j.createFromArray(1.0));
        Optimizer sgd = Optimizer.of(cfg, w);
        sgd.apply(w, Map.of("w", Nd4j.createFromArray(2.0)), 0.1); // v = 2, w = 1 - 0.2
        sgd.apply(w, Map.of("w", Nd4j.createFromArray(2.0)), 0.1); // v = 0.5 * 2 + 2 = 3, w = 0.8 - 0.3
        assertEquals(0.5, w.get("w").getDouble(0), 1e-12);
        sgd.apply(w, Map.of(), 0.1);
        assertEquals(0.5, w.get("w").getDouble(0), 1e-12, "a parameter left out of the gradient is frozen");
    }

    @Test
    void cropFlipShiftsWithZerosAndMirrors() {
        float[] in = new float[9];
        for (int i = 0; i < 9; i++) {
            in[i] = i + 1; // 3x3: 1 2 3 / 4 5 6 / 7 8 9
        }
        float[] out = new float[9];
        Augmentation.CropFlip.shift(in, out, 0, 3, 3, 1, 0, false); // out[y][x] = in[y + 1][x]
        assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 0, 0, 0}, out);
        out = new float[9];
        Augmentation.CropFlip.shift(in, out, 0, 3, 3, 0, -1, false); // out[y][x] = in[y][x - 1]
        assertArrayEquals(new float[] {0, 1, 2, 0, 4, 5, 0, 7, 8}, out);
        out = new float[9];
        Augmentation.CropFlip.shift(in, out, 0, 3, 3, 0, 0, true); // mirrored
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, out);
    }

    @Test
    void cropFlipIsSeededKeepsShapeAndValuesAndLeavesTheInputAlone() {
        INDArray batch = Nd4j.rand(DataType.FLOAT, 8, 2, 10, 10);
        INDArray copy = batch.dup();
        INDArray a = Augmentation.of(TrainConfig.CROP_FLIP, 3).apply(batch);
        INDArray b = Augmentation.of(TrainConfig.CROP_FLIP, 3).apply(batch);
        assertEquals(copy, batch, "the input batch is not written");
        assertEquals(a, b, "same seed, same augmentation");
        assertArrayEquals(batch.shape(), a.shape());
        assertNotEquals(batch, a, "8 images: some shift or flip happens");
        assertTrue(a.maxNumber().doubleValue() <= batch.maxNumber().doubleValue() && a.minNumber().doubleValue() >= 0,
                "only moved pixels and zeros");
        assertSame(batch, Augmentation.of(TrainConfig.NO_AUGMENTATION, 3).apply(batch));
    }

    @Test
    void trainingWithAugmentationSeesShiftedBatchesAndIsDeterministic() {
        Trainer trainer = DefaultHost.quiet().trainer();
        Dataset data = SyntheticImages.generate(SHAPE, 4, 64, 16, 7);
        TrainConfig plain = new TrainConfig(1, 16, 0.05, 0.9, false, 0, "constant");
        INDArray[] seen = new INDArray[2];
        StepHook first = new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext step) {
                if (step.iteration() == 0) {
                    seen[seen[0] == null ? 0 : 1] = step.images().dup();
                }
                return step.gradient();
            }
        };
        SdModel a = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        trainer.train(a, data.train(), plain, first, 5, "plain");
        SdModel b = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        trainer.train(b, data.train(), plain.withAugmentation(TrainConfig.CROP_FLIP), first, 5, "augmented");
        assertNotEquals(seen[0], seen[1], "the same shuffled batch, augmented");
        assertEquals(seen[0].sumNumber().doubleValue() >= seen[1].sumNumber().doubleValue(), true,
                "shifting only drops pixels, flipping keeps them");
        SdModel c = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        trainer.train(c, data.train(), plain.withAugmentation(TrainConfig.CROP_FLIP), StepHook.PLAIN, 5, "again");
        assertEquals(b.flatParameters(), c.flatParameters(), "augmented training is reproducible for a seed");
    }

    @Test
    void softTargetsAndFeatureWeightsGiveTheGradientsTheyName() {
        Trainer trainer = DefaultHost.quiet().trainer();
        Dataset data = SyntheticImages.generate(SHAPE, 4, 16, 4, 9);
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 2);
        long features = m.featureSize();
        INDArray w = Nd4j.rand(DataType.FLOAT, 16, features).subi(0.5);
        StepHook check = new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext step) {
                Map<String, INDArray> hard = step.gradient();
                INDArray oneHot = org.purifybench.toolkit.OneHot.of(step.labels(), 4, DataType.FLOAT);
                Map<String, INDArray> soft = step.gradient(step.images(), oneHot);
                hard.forEach((k, g) -> assertTrue(g.equalsWithEps(soft.get(k), 1e-6), "one-hot targets = labels: " + k));
                // CE + <phi, W> = CE's gradient + <phi, W>'s (zero targets) by linearity
                Map<String, INDArray> both = step.gradient(step.images(), oneHot, w);
                Map<String, INDArray> featureOnly = step.gradient(step.images(), Nd4j.zeros(DataType.FLOAT, 16, 4), w);
                double norm = 0;
                for (String k : both.keySet()) {
                    INDArray sum = hard.get(k).add(featureOnly.get(k));
                    double error = both.get(k).sub(sum).norm2Number().doubleValue() / (sum.norm2Number().doubleValue() + 1e-12);
                    assertTrue(error < 1e-4, "linearity: " + k + " relative error " + error);
                    norm += featureOnly.get(k).norm2Number().doubleValue();
                }
                assertTrue(norm > 0, "the feature term has a gradient");
                assertEquals(features, step.trainingFeatures(step.images()).size(1));
                assertThrows(IllegalArgumentException.class, () -> step.gradient(step.images(), Nd4j.zeros(DataType.FLOAT, 16, 3)));
                return hard;
            }
        };
        trainer.train(m, data.train(), new TrainConfig(1, 16, 0, 0, false, 0, "constant"), check, 1, "check");
    }

    @Test
    void unknownOptimizerOrAugmentationIsRefusedAndTheOldConstructorMeansSgdWithout() {
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(1, 1, 0.1, 0, false, 0, "constant", "rmsprop", null));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(1, 1, 0.1, 0, false, 0, "constant", null, "mixup"));
        TrainConfig old = new TrainConfig(1, 1, 0.1, 0, false, 0, "constant");
        assertEquals(TrainConfig.SGD, old.optimizer());
        assertEquals(TrainConfig.NO_AUGMENTATION, old.augmentation());
        assertEquals(TrainConfig.ADAM, old.withOptimizer(TrainConfig.ADAM).withEpochs(3).optimizer());
    }
}
