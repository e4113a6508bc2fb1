package org.purifybench.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.Updater;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.OneHot;

/**
 * The same weights in both engines compute the same thing, in float32. Tolerances: logits and
 * gradients agree to 1e-4 relative to the largest magnitude (float32 sums in another order: oneDNN
 * and libtorch pick different convolution algorithms); BatchNorm running variances to 4e-2 relative,
 * because PyTorch keeps the unbiased batch variance (n/(n-1)) where the ND4J graph keeps the biased
 * one, and the smallest n here is 32 (ResNet's last stage: 2x2 pixels x 8 images): 1/31 = 3.2%.
 */
class CrossEngineTest {
    private static final ImageShape SHAPE = new ImageShape(3, 16, 16);
    private static final ComputeEngine ND4J = Engines.defaultEngine();
    private static final ComputeEngine TORCH = Engines.open("pytorch", "cpu");

    static ModelSpec spec(String arch) {
        return ModelSpec.of(arch, SHAPE, 5, arch.equals(ModelSpec.CNN_SMALL) ? 8 : 4);
    }

    static INDArray images(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, SHAPE.channels(), SHAPE.height(), SHAPE.width());
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7) % 5;
        }
        return y;
    }

    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = Math.max(1e-6, expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": max difference " + diff + " exceeds " + relative + " x " + scale);
    }

    static void assertAllClose(Map<String, INDArray> expected, Map<String, INDArray> actual, double relative, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": names");
        expected.forEach((k, v) -> assertClose(v, actual.get(k), k.endsWith("_rvar") ? Math.max(relative, UNBIASED) : relative,
                what + " " + k));
    }

    private static final double UNBIASED = 4e-2;

    @ParameterizedTest
    @ValueSource(strings = {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18})
    void aSeedGivesBitIdenticalInitialWeightsOnBothEngines(String arch) {
        Map<String, INDArray> a = ND4J.create(spec(arch), 11).snapshot();
        Map<String, INDArray> b = TORCH.create(spec(arch), 11).snapshot();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
    }

    @ParameterizedTest
    @ValueSource(strings = {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18})
    void logitsFeaturesAndInputGradientsAgree(String arch) {
        HostModel nd = ND4J.create(spec(arch), 3);
        HostModel pt = TORCH.create(spec(arch), 3);
        // BN statistics away from 0/1, so evaluation mode is really exercised
        INDArray warm = images(5, 24);
        nd.recalibrateBatchNorm(new LabeledImages(warm, labels(24), 5), 8);
        pt.recalibrateBatchNorm(new LabeledImages(warm, labels(24), 5), 8);
        assertAllClose(nd.snapshot(), pt.snapshot(), 1e-4, "recalibrated");
        pt.restore(nd.snapshot());
        INDArray x = images(1, 6);
        assertClose(nd.logits(x), pt.logits(x), 1e-4, "logits");
        assertClose(nd.features(x), pt.features(x), 1e-4, "features");
        assertArrayEquals(nd.predict(x), pt.predict(x));
        Nd4j.getRandom().setSeed(9);
        INDArray lw = Nd4j.randn(DataType.FLOAT, 6, 5);
        INDArray fw = Nd4j.randn(DataType.FLOAT, 6, nd.featureSize());
        assertClose(nd.inputGradient(x, lw, fw), pt.inputGradient(x, lw, fw), 1e-4, "input gradient");
        assertClose(nd.inputGradient(x, lw, null), pt.inputGradient(x, lw, null), 1e-4, "input gradient, logits only");
    }

    @ParameterizedTest
    @ValueSource(strings = {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18})
    void oneBatchGivesTheSameGradientAndStatistics(String arch) {
        HostModel nd = ND4J.create(spec(arch), 4);
        HostModel pt = TORCH.create(spec(arch), 4);
        INDArray x = images(2, 8);
        INDArray y = OneHot.of(labels(8), 5, DataType.FLOAT);
        Nd4j.getRandom().setSeed(3);
        INDArray fw = Nd4j.randn(DataType.FLOAT, 8, nd.featureSize()).muli(0.1);
        HostModel.Gradient a = nd.gradient(x, y, fw, true);
        HostModel.Gradient b = pt.gradient(x, y, fw, true);
        assertEquals(a.loss(), b.loss(), 1e-4 * Math.abs(a.loss()));
        assertAllClose(a.values(), b.values(), 1e-4, "gradient");
        assertAllClose(nd.snapshot(), pt.snapshot(), 1e-4, "after the BN update");
        // without the update the statistics stay where they are
        Map<String, INDArray> before = pt.snapshot();
        pt.gradient(x, y, null, false);
        pt.snapshot().forEach((k, v) -> assertEquals(before.get(k), v, k));
        assertClose(nd.trainingFeatures(x), pt.trainingFeatures(x), 1e-4, "training-mode features");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "nesterov", "adam"})
    void threeOptimiserStepsAgree(String optimizer) {
        TrainConfig cfg = new TrainConfig(1, 8, 0.05, 0.9, optimizer.equals("nesterov"), 5e-4, "constant",
                optimizer.equals("adam") ? TrainConfig.ADAM : TrainConfig.SGD, TrainConfig.NO_AUGMENTATION);
        HostModel nd = ND4J.create(spec(ModelSpec.CNN_SMALL), 5);
        HostModel pt = TORCH.create(spec(ModelSpec.CNN_SMALL), 5);
        Updater un = nd.updater(cfg);
        Updater up = pt.updater(cfg);
        for (int i = 0; i < 3; i++) {
            INDArray x = images(10 + i, 8);
            double ln = un.step(x, labels(8), 0.05);
            double lp = up.step(x, labels(8), 0.05);
            assertEquals(ln, lp, 1e-3 * Math.abs(ln), "loss at step " + i);
        }
        un.finish();
        up.finish();
        assertAllClose(nd.snapshot(), pt.snapshot(), 1e-3, optimizer + " after 3 steps");
        // a hook's gradient goes through apply(): the same on both
        Map<String, INDArray> g = nd.gradient(images(20, 8), OneHot.of(labels(8), 5, DataType.FLOAT), null, false).values();
        un.apply(g, 0.01);
        up.apply(g, 0.01);
        assertAllClose(nd.snapshot(), pt.snapshot(), 1e-3, optimizer + " after apply");
    }

    @Test
    void writesThroughTheSpiArraysReachTheDeviceAndTrainingIsSeenInThem() {
        HostModel pt = TORCH.create(spec(ModelSpec.CNN_SMALL), 6);
        HostModel nd = ND4J.create(spec(ModelSpec.CNN_SMALL), 6);
        INDArray x = images(4, 5);
        INDArray bias = pt.parameters().get("fc_b");
        bias.addi(3.0);
        nd.parameters().get("fc_b").addi(3.0);
        assertClose(nd.logits(x), pt.logits(x), 1e-4, "logits after writing fc_b");
        INDArray flat = pt.flatParameters();
        Updater u = pt.updater(TrainConfig.sgd(1, 5, 0.1));
        u.step(x, labels(5), 0.1);
        u.finish();
        // the array handed out before training is live: it shows the update
        assertTrue(bias.sub(pt.snapshot().get("fc_b")).amaxNumber().doubleValue() == 0, "a held parameter array follows training");
        assertTrue(pt.flatParameters().sub(flat).amaxNumber().doubleValue() > 0, "training changed the parameters");
        pt.setFlatParameters(flat);
        assertEquals(flat, pt.flatParameters());
        HostModel copy = pt.copy();
        copy.parameters().get("fc_b").addi(1.0);
        assertEquals(flat, pt.flatParameters(), "a copy shares nothing");
    }

    @Test
    void stepsEvaluationsAndHookedStepsLeaveNoArraysBehind() {
        TorchModel pt = (TorchModel) TORCH.create(spec(ModelSpec.PREACT_RESNET18), 8);
        Updater u = pt.updater(new TrainConfig(1, 8, 0.05, 0.9, true, 5e-4, "constant"));
        Updater adam = pt.updater(new TrainConfig(1, 8, 0.05, 0.9, false, 5e-4, "constant", TrainConfig.ADAM, TrainConfig.NO_AUGMENTATION));
        int[] counts = new int[3];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 2; i++) {
                u.step(images(40 + i, 8), labels(8), 0.05);
                adam.step(images(40 + i, 8), labels(8), 0.01);
                Map<String, INDArray> g = pt.gradient(images(50, 8), OneHot.of(labels(8), 5, DataType.FLOAT), null, true).values();
                u.apply(g, 0.01);
                pt.logits(images(60, 8));
                pt.inputGradient(images(60, 8), Nd4j.ones(DataType.FLOAT, 8, 5), null);
                pt.trainingFeatures(images(60, 8));
                pt.recalibrateBatchNorm(new LabeledImages(images(61, 16), labels(16), 5), 8);
            }
            u.finish();
            counts[round] = pt.managedArrays();
        }
        assertTrue(counts[0] >= pt.weights.params.size() + pt.weights.state.size(), "the count sees the model's tensors: " + counts[0]);
        assertEquals(counts[0], counts[1], "arrays held after rounds 1, 2, 3: " + java.util.Arrays.toString(counts));
        assertEquals(counts[1], counts[2], "arrays held after rounds 1, 2, 3: " + java.util.Arrays.toString(counts));
    }

    @Test
    void trainingIsBitIdenticalForAFixedSeed() {
        TrainConfig cfg = new TrainConfig(1, 8, 0.05, 0.9, true, 5e-4, "cosine");
        float[][] runs = new float[2][];
        for (int r = 0; r < 2; r++) {
            HostModel pt = TORCH.create(spec(ModelSpec.PREACT_RESNET18), 8);
            Updater u = pt.updater(cfg);
            for (int i = 0; i < 3; i++) {
                u.step(images(30 + i, 8), labels(8), 0.05);
            }
            u.finish();
            runs[r] = pt.flatParameters().toFloatVector();
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    @Test
    void aCudaDeviceThatIsNotThereIsRefusedWithTheFix() {
        UserException e = assertThrows(UserException.class, () -> Engines.open("pytorch", "cuda:0"));
        assertTrue(e.getMessage().contains("no CUDA device"), e.getMessage());
        assertTrue(e.fix().contains("-Pgpu"), e.fix());
        assertThrows(UserException.class, () -> Engines.open("nd4j", "cuda"));
        assertThrows(UserException.class, () -> Engines.open("tensorflow", "cpu"));
        assertThrows(UserException.class, () -> Engines.normalizeDevice("tpu"));
    }
}
