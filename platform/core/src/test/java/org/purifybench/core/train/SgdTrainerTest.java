package org.purifybench.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

class SgdTrainerTest {
    private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
    private final Trainer trainer = DefaultHost.quiet().trainer();
    private final Dataset data = SyntheticImages.generate(SHAPE, 4, 400, 200, 11);

    private SdModel trained(long seed) {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        trainer.train(m, data.train(), TrainConfig.sgd(2, 32, 0.05), StepHook.PLAIN, seed, "test");
        return m;
    }

    @Test
    void learnsAndIsDeterministicForASeed() {
        SdModel a = trained(5);
        assertTrue(trainer.accuracy(a, data.test()) > 0.8, "accuracy " + trainer.accuracy(a, data.test()));
        SdModel b = trained(5);
        assertEquals(a.flatParameters(), b.flatParameters(), "same seed must give bit-identical weights");
        a.state().forEach((k, v) -> assertEquals(v, b.state().get(k)));
        assertNotEquals(a.flatParameters(), trained(6).flatParameters(), "the shuffling seed must matter");
    }

    @Test
    void hookReplacesGradientAndSeesEveryStep() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        INDArray before = m.flatParameters();
        AtomicInteger steps = new AtomicInteger();
        StepHook zero = new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext step) {
                Map<String, INDArray> g = step.gradient();
                g.replaceAll((k, v) -> v.mul(0));
                return g;
            }

            @Override
            public void afterStep(StepContext step) {
                steps.incrementAndGet();
            }
        };
        TrainConfig noDecay = new TrainConfig(1, 50, 0.1, 0.9, true, 0, "constant");
        trainer.train(m, data.train(), noDecay, zero, 1, "test");
        assertEquals(8, steps.get());
        assertEquals(before, m.flatParameters(), "a zero gradient without weight decay must not move the weights");
    }

    @Test
    void recalibrationMatchesDataStatistics() {
        SdModel m = trained(5);
        SdModel r = m.copy();
        r.state().values().forEach(v -> v.assign(7));
        trainer.recalibrateBatchNorm(r, data.train().range(0, 500 > data.train().size() ? data.train().size() : 400));
        // After recalibration on the training data, eval-mode outputs stay close to the trained model's.
        double acc = trainer.accuracy(r, data.test());
        assertTrue(acc > 0.8, "accuracy after recalibration " + acc);
        assertTrue(Math.abs(acc - trainer.accuracy(m, data.test())) < 0.1);
    }

    @Test
    void afterRecalibrationOnOneBatchEvalModeOutputsEqualTrainModeOutputs() {
        SdModel m = trained(5);
        INDArray batch = data.train().range(0, 100).images();
        INDArray trainMode = m.forward(batch, true);
        assertTrue(m.forward(batch, false).distance2(trainMode) > 1e-3, "stale statistics differ from batch statistics");
        trainer.recalibrateBatchNorm(m, data.train().range(0, 100));
        INDArray evalMode = m.forward(batch, false);
        double rel = evalMode.distance2(trainMode) / trainMode.norm2Number().doubleValue();
        assertTrue(rel < 1e-4, "relative difference " + rel);
    }

    @Test
    void scheduleShapes() {
        TrainConfig cos = new TrainConfig(1, 1, 0.1, 0, false, 0, "cosine");
        assertEquals(0.1, cos.learningRateAt(0), 1e-12);
        assertEquals(0.05, cos.learningRateAt(0.5), 1e-12);
        TrainConfig step = new TrainConfig(1, 1, 0.1, 0, false, 0, "step");
        assertEquals(0.01, step.learningRateAt(0.6), 1e-12);
        assertEquals(0.001, step.learningRateAt(0.8), 1e-12);
    }
}
