package org.purifybench.toolkit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One-hot label matrices. */
public final class OneHot {
    private OneHot() {
    }

    /** [labels.length, classes] of FLOAT, 1 at (i, labels[i]). */
    public static INDArray of(int[] labels, int classes) {
        return of(labels, classes, DataType.FLOAT);
    }

    /** [labels.length, classes] of {@code type}, 1 at (i, labels[i]). */
    public static INDArray of(int[] labels, int classes, DataType type) {
        INDArray y = Nd4j.zeros(type, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at " + i + " is outside 0.." + (classes - 1));
            }
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }
}
