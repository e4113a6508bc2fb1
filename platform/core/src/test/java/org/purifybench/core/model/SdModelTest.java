package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;

class SdModelTest {
    private static final ImageShape SMALL = new ImageShape(1, 8, 8);

    private static INDArray images(long seed, int n, ImageShape s, DataType t) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(t, n, s.channels(), s.height(), s.width());
    }

    private static INDArray oneHot(int n, int classes, DataType t) {
        INDArray y = Nd4j.zeros(t, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return y;
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        // Double precision so central differences are accurate to ~1e-8.
        for (String arch : new String[] {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18}) {
            ModelSpec spec = new ModelSpec(arch, SMALL, 3, 2, "double");
            SdModel m = SdModel.create(spec, 7);
            INDArray x = images(1, 4, SMALL, DataType.DOUBLE);
            INDArray y = oneHot(4, 3, DataType.DOUBLE);
            Map<String, INDArray> grads = m.step(x, y).gradients();
            int checked = 0;
            double worst = 0;
            for (Map.Entry<String, INDArray> e : m.parameters().entrySet()) {
                INDArray p = e.getValue();
                INDArray g = grads.get(e.getKey());
                // Two entries per tensor keep the double-precision ResNet check within seconds.
                for (long i = 0; i < p.length(); i += Math.max(1, p.length() / 2)) {
                    double orig = p.getDouble(i);
                    double h = 1e-5;
                    p.putScalar(i, orig + h);
                    double up = m.loss(x, y);
                    p.putScalar(i, orig - h);
                    double down = m.loss(x, y);
                    p.putScalar(i, orig);
                    double numeric = (up - down) / (2 * h);
                    double analytic = g.getDouble(i);
                    double err = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
                    worst = Math.max(worst, err);
                    checked++;
                }
            }
            assertTrue(checked > 20, "checked " + checked);
            assertTrue(worst < 1e-4, arch + ": worst relative error " + worst);
        }
    }

    @Test
    void bothArchitecturesTakeFashionMnistAndCifarShapes() {
        for (ImageShape shape : new ImageShape[] {new ImageShape(1, 28, 28), new ImageShape(3, 32, 32)}) {
            for (String arch : new String[] {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18}) {
                SdModel m = SdModel.create(ModelSpec.of(arch, shape, 10, 4), 1);
                INDArray logits = m.logits(images(1, 3, shape, DataType.FLOAT));
                assertArrayEquals(new long[] {3, 10}, logits.shape(), arch + " on " + shape);
                assertEquals(3, m.predict(images(2, 3, shape, DataType.FLOAT)).length);
            }
        }
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        SdModel m = SdModel.create(new ModelSpec(ModelSpec.CNN_SMALL, SMALL, 3, 2, "double"), 3);
        INDArray x = images(4, 2, SMALL, DataType.DOUBLE);
        INDArray y = oneHot(2, 3, DataType.DOUBLE);
        INDArray g = m.inputGradient(x, y);
        assertArrayEquals(x.shape(), g.shape());
        // Evaluation-mode loss, the mode inputGradient differentiates in.
        java.util.function.DoubleSupplier loss = () -> {
            INDArray logp = org.nd4j.linalg.ops.transforms.Transforms.log(
                    org.nd4j.linalg.ops.transforms.Transforms.softmax(m.forward(x, false)));
            return -logp.mul(y).sumNumber().doubleValue() / 2;
        };
        assertMatchesCentralDifferences(x, g, loss);
    }

    @Test
    void vectorJacobianProductOfLogitsAndFeaturesMatchesFiniteDifferences() {
        SdModel m = SdModel.create(new ModelSpec(ModelSpec.CNN_SMALL, SMALL, 3, 2, "double"), 5);
        // A training step first: the backward graph must still give input gradients afterwards.
        m.step(images(9, 2, SMALL, DataType.DOUBLE), oneHot(2, 3, DataType.DOUBLE));
        INDArray x = images(4, 2, SMALL, DataType.DOUBLE);
        INDArray a = centred(11, 2, 3);
        INDArray b = centred(12, 2, m.featureSize());
        assertEquals(m.featureSize(), m.features(x).size(1));
        INDArray g = m.inputGradient(x, a, b);
        java.util.function.DoubleSupplier f = () -> m.logits(x).mul(a).sumNumber().doubleValue()
                + m.features(x).mul(b).sumNumber().doubleValue();
        assertMatchesCentralDifferences(x, g, f);
        // Logit weights alone: the feature term contributes nothing when its weights are null.
        INDArray onlyLogits = m.inputGradient(x, a, null);
        assertNotEquals(g, onlyLogits);
        assertEquals(onlyLogits, m.inputGradient(x, a, Nd4j.zeros(DataType.DOUBLE, 2, m.featureSize())));
    }

    /** g's entries at a few pixels equal central differences of f in x (x is restored). */
    private static void assertMatchesCentralDifferences(INDArray x, INDArray g, java.util.function.DoubleSupplier f) {
        for (long i : new long[] {0, 37, 64, 101}) {
            double orig = x.getDouble(i);
            x.putScalar(i, orig + 1e-5);
            double up = f.getAsDouble();
            x.putScalar(i, orig - 1e-5);
            double down = f.getAsDouble();
            x.putScalar(i, orig);
            assertEquals((up - down) / 2e-5, g.getDouble(i), 1e-6 + 1e-4 * Math.abs(g.getDouble(i)));
        }
    }

    private static INDArray centred(long seed, long rows, long cols) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        return Nd4j.create(r.doubles(rows * cols, -0.5, 0.5).toArray(), new long[] {rows, cols}, DataType.DOUBLE);
    }

    @Test
    void batchNormLayersNameEveryScaleAndShiftWithTheirChannelCounts() {
        for (String arch : new String[] {ModelSpec.CNN_SMALL, ModelSpec.PREACT_RESNET18}) {
            SdModel m = SdModel.create(ModelSpec.of(arch, SMALL, 3, 4), 1);
            var layers = m.batchNormLayers();
            assertTrue(layers.size() >= 4, arch + " has BN layers");
            long bnParams = m.parameters().keySet().stream().filter(k -> k.endsWith("_gamma") || k.endsWith("_beta")).count();
            assertEquals(bnParams, 2L * layers.size(), "every BN parameter belongs to exactly one layer");
            for (var bn : layers) {
                assertEquals(bn.channels(), m.parameters().get(bn.scale()).length());
                assertEquals(bn.channels(), m.parameters().get(bn.shift()).length());
            }
        }
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferent() {
        ModelSpec spec = ModelSpec.of(ModelSpec.CNN_SMALL, SMALL, 10, 4);
        INDArray a = SdModel.create(spec, 3).flatParameters();
        assertEquals(a, SdModel.create(spec, 3).flatParameters());
        assertNotEquals(a, SdModel.create(spec, 4).flatParameters());
    }

    @Test
    void batchNormUsesBatchStatsInTrainingAndRunningStatsInEvaluation() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SMALL, 3, 4), 1);
        INDArray x = images(2, 16, SMALL, DataType.FLOAT).muli(5).addi(3); // far from N(0,1)
        // Fresh running stats are (0,1): evaluation differs from training mode on shifted data.
        INDArray train = m.forward(x, true);
        INDArray eval = m.forward(x, false);
        assertTrue(train.sub(eval).norm2Number().doubleValue() > 1e-2);
        // In training mode a sample's output depends on the rest of the batch; in evaluation it does not.
        INDArray firstHalfTrain = m.forward(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)), true);
        assertTrue(firstHalfTrain.sub(train.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8))).norm2Number().doubleValue() > 1e-4);
        INDArray firstHalfEval = m.forward(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)), false);
        assertTrue(firstHalfEval.equalsWithEps(eval.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)), 1e-5));
        // Running stats set to this batch's statistics make evaluation reproduce training mode.
        Map<String, INDArray> stats = m.batchStatistics(x);
        for (String[] bn : m.batchNormNames()) {
            m.state().get(bn[0]).assign(stats.get(bn[2]));
            m.state().get(bn[1]).assign(stats.get(bn[3]));
        }
        assertTrue(m.forward(x, false).equalsWithEps(train, 1e-3));
    }

    @Test
    void copyIsDeepAndFlatParametersRoundTrip() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SMALL, 3, 4), 1);
        SdModel c = m.copy();
        assertEquals(m.flatParameters(), c.flatParameters());
        c.parameters().values().iterator().next().addi(1);
        assertNotEquals(m.flatParameters(), c.flatParameters());
        INDArray flat = m.flatParameters().muli(2);
        c.setFlatParameters(flat);
        assertEquals(flat, c.flatParameters());
        assertThrows(IllegalArgumentException.class, () -> c.setFlatParameters(Nd4j.zeros(3)));
    }

    @Test
    void saveAndLoadRestoresWeightsStateAndSpec(@TempDir Path dir) throws Exception {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.PREACT_RESNET18, SMALL, 3, 2), 5);
        m.state().values().iterator().next().assign(0.25);
        Path f = dir.resolve("m.pbm");
        ModelIO.save(m, f);
        SdModel back = (SdModel) ModelIO.load(f);
        assertEquals(m.spec(), back.spec());
        assertEquals(m.flatParameters(), back.flatParameters());
        INDArray x = images(9, 4, SMALL, DataType.FLOAT);
        assertEquals(m.logits(x), back.logits(x));
    }
}
