package org.purifybench.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.hash.Hashing;
import org.purifybench.spi.Model;

/**
 * Predictions keyed by the content of the model (parameters and BN statistics) and of the images.
 * Evaluators ask for the same predictions again and again: RA's O-ASR is the accuracy evaluator's
 * ASR, LMC's path starts at the backdoored model and ends at the purified one for every defense.
 * Keys are SHA-256 digests of the arrays themselves, so a model changed in place (training,
 * interpolation, recalibration) or new images simply miss; hashing costs ~1% of a forward pass.
 */
final class PredictionMemo {
    private final int capacity;
    private final Map<String, int[]> entries;
    private long hits;
    private long misses;

    PredictionMemo(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    static String key(Model model, INDArray images) {
        List<INDArray> arrays = new ArrayList<>(model.parameters().values());
        arrays.addAll(model.state().values());
        return model.architecture() + "|" + Hashing.ofArrays(arrays) + "|" + Hashing.ofArrays(List.of(images));
    }

    synchronized int[] get(String key, Supplier<int[]> compute) {
        int[] cached = entries.get(key);
        if (cached != null) {
            hits++;
            return cached.clone();
        }
        misses++;
        int[] value = compute.get();
        entries.put(key, value.clone());
        if (entries.size() > capacity) {
            entries.remove(entries.keySet().iterator().next());
        }
        return value;
    }

    synchronized long hits() {
        return hits;
    }

    synchronized long misses() {
        return misses;
    }
}
