package org.purifybench.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/** The memo only ever returns what the model itself would predict now. */
class PredictionMemoTest {
    private static final ImageShape SHAPE = new ImageShape(1, 12, 12);
    private final SgdTrainer trainer = (SgdTrainer) DefaultHost.quiet().trainer();
    private final Dataset data = SyntheticImages.generate(SHAPE, 4, 300, 200, 3);

    private SdModel trained() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 1);
        trainer.train(m, data.train(), TrainConfig.sgd(1, 32, 0.05), StepHook.PLAIN, 1, "test");
        return m;
    }

    private long hits() {
        return trainer.predictionMemoHitsAndMisses()[0];
    }

    @Test
    void repeatsAreServedAndEqualTheModelsOwnPredictions() {
        SdModel m = trained();
        INDArray images = data.test().images();
        int[] first = trainer.predict(m, images);
        assertArrayEquals(m.predict(images), first);
        long before = hits();
        int[] again = trainer.predict(m, images);
        assertEquals(before + 1, hits());
        assertArrayEquals(first, again);
        // Same content through another array (a copy, a view): still the same key.
        assertArrayEquals(first, trainer.predict(m.copy(), images.dup()));
        INDArray view = images.get(NDArrayIndex.interval(0, 50), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        trainer.predict(m, view.dup());
        long beforeView = hits();
        assertArrayEquals(m.predict(view), trainer.predict(m, view));
        assertEquals(beforeView + 1, hits());
        // The caller may scribble on what it gets back.
        again[0] = 99;
        assertArrayEquals(first, trainer.predict(m, images));
    }

    @Test
    void aModelOrImagesChangedInPlaceMiss() {
        SdModel m = trained();
        INDArray images = data.test().images().dup();
        trainer.predict(m, images);
        long misses = trainer.predictionMemoHitsAndMisses()[1];

        m.parameters().get("fc_b").putScalar(0, 0, 5.0); // class 0 wins more often now
        assertArrayEquals(m.predict(images), trainer.predict(m, images));
        m.state().values().iterator().next().addi(3.0); // BN running mean: evaluation mode changes
        assertArrayEquals(m.predict(images), trainer.predict(m, images));
        images.muli(0.5);
        assertArrayEquals(m.predict(images), trainer.predict(m, images));
        assertEquals(misses + 3, trainer.predictionMemoHitsAndMisses()[1]);
    }

    @Test
    void oldEntriesAreEvictedPastCapacity() {
        PredictionMemo memo = new PredictionMemo(2);
        memo.get("a", () -> new int[] {1});
        memo.get("b", () -> new int[] {2});
        memo.get("a", () -> new int[] {-1}); // a is now the most recent
        memo.get("c", () -> new int[] {3}); // evicts b
        assertArrayEquals(new int[] {1}, memo.get("a", () -> new int[] {-1}));
        assertArrayEquals(new int[] {-2}, memo.get("b", () -> new int[] {-2}));
        assertEquals(2, memo.hits());
        assertEquals(4, memo.misses());
    }
}
