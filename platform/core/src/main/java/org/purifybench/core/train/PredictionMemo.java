package org.purifybench.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.hash.Hashing;
import org.purifybench.spi.Model;
import org.purifybench.toolkit.KeyedMemo;

/**
 * Predictions keyed by the content of the model (parameters and BN statistics) and of the images.
 * Evaluators ask for the same predictions again and again: RA's O-ASR is the accuracy evaluator's
 * ASR, LMC's path starts at the backdoored model and ends at the purified one for every defense.
 * Keys are SHA-256 digests of the arrays themselves, so a model changed in place (training,
 * interpolation, recalibration) or new images simply miss; hashing costs ~1% of a forward pass.
 */
final class PredictionMemo {
    /** Per-key futures: two cells predicting different things do not wait for each other. */
    private final KeyedMemo<String, int[]> entries;

    PredictionMemo(int capacity) {
        this.entries = new KeyedMemo<>(capacity);
    }

    static String key(Model model, INDArray images) {
        List<INDArray> arrays = new ArrayList<>(model.parameters().values());
        arrays.addAll(model.state().values());
        return model.architecture() + "|" + Hashing.ofArrays(arrays) + "|" + Hashing.ofArrays(List.of(images));
    }

    /** A copy of the memoised predictions, so a caller that changes its array changes no one else's. */
    int[] get(String key, Supplier<int[]> compute) {
        return entries.get(key, () -> compute.get().clone()).clone();
    }

    long hits() {
        return entries.hits();
    }

    long misses() {
        return entries.misses();
    }
}
