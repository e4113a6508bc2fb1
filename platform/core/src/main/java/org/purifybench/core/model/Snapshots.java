package org.purifybench.core.model;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Restoring a model's arrays from a snapshot, with the checks every engine needs. */
public final class Snapshots {
    private Snapshots() {
    }

    /** Assigns {@code arrays} into the live {@code params} and {@code state}: names and shapes must match exactly. */
    public static void restore(Map<String, INDArray> arrays, Map<String, INDArray> params, Map<String, INDArray> state,
                               String architecture) {
        if (arrays.size() != params.size() + state.size()) {
            throw new IllegalArgumentException("a snapshot of " + arrays.size() + " arrays does not fit a " + architecture + " with "
                    + (params.size() + state.size()));
        }
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray target = params.containsKey(e.getKey()) ? params.get(e.getKey()) : state.get(e.getKey());
            if (target == null || !Arrays.equals(target.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("unexpected array " + e.getKey() + " " + Arrays.toString(e.getValue().shape())
                        + " for a " + architecture);
            }
            target.assign(e.getValue());
        }
    }
}
