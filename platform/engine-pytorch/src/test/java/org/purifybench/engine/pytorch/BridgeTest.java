package org.purifybench.engine.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Arrays of every layout the host hands over cross to the engine and back with their values. */
class BridgeTest {
    @Test
    void wholeReshapedRangedTransposedAndDoubleArraysKeepTheirValues() {
        TorchEngine engine = TorchEngine.open("cpu");
        INDArray base = Nd4j.linspace(DataType.FLOAT, 1, 120, 120).reshape(5, 2, 3, 4);
        INDArray[] layouts = {
            base,
            base.reshape(5, 24).reshape(5, 2, 3, 4),
            base.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()),
            base.permute(0, 1, 3, 2),
            base.dup('f'),
            base.castTo(DataType.DOUBLE),
            base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).reshape(2, 24),
        };
        try (NDManager m = engine.djl().newBaseManager(engine.djlDevice())) {
            for (INDArray a : layouts) {
                NDArray t = Bridge.toTorch(a, m);
                INDArray back = Bridge.toNd4j(t, a.shape());
                assertEquals(a.castTo(DataType.FLOAT), back, "layout " + java.util.Arrays.toString(a.stride()) + " offset " + a.offset());
                INDArray into = Nd4j.zeros(DataType.FLOAT, a.shape());
                Bridge.copyInto(t, into);
                assertEquals(back, into);
                NDArray target = m.zeros(t.getShape());
                Bridge.copyInto(a, target);
                assertEquals(back, Bridge.toNd4j(target, a.shape()));
            }
        }
    }
}
