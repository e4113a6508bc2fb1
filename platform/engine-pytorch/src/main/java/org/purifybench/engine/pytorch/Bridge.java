package org.purifybench.engine.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Copies between ND4J arrays (the SPI's) and libtorch tensors (the engine's), float32 both sides. */
final class Bridge {
    private Bridge() {
    }

    static float[] floats(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (f.ordering() == 'c' && !f.isView() && f.data().length() == f.length()) {
            return f.data().asFloat();
        }
        return f.dup('c').data().asFloat();
    }

    /** A new tensor in {@code manager} (on its device) with {@code a}'s values, shaped {@code shape}. */
    static NDArray toTorch(INDArray a, NDManager manager, long... shape) {
        return manager.create(floats(a), new Shape(shape));
    }

    static NDArray toTorch(INDArray a, NDManager manager) {
        return toTorch(a, manager, a.shape());
    }

    /** The tensor's values, read through a host copy that is freed at once when it lives on a GPU. */
    static float[] floats(NDArray t) {
        if (t.getDevice().isGpu()) {
            try (NDArray host = t.toDevice(Device.cpu(), true)) {
                return host.toFloatArray();
            }
        }
        return t.toFloatArray();
    }

    static INDArray toNd4j(NDArray t, long... shape) {
        return Nd4j.create(floats(t), shape, 'c');
    }

    /** Overwrites {@code dst} (any layout) with the tensor's values. */
    static void copyInto(NDArray t, INDArray dst) {
        dst.assign(Nd4j.create(floats(t), dst.shape(), 'c').castTo(dst.dataType()));
    }

    /** Overwrites the tensor in place (gradients stay attached) with {@code src}'s values. */
    static void copyInto(INDArray src, NDArray t) {
        if (src.length() != t.size()) {
            throw new IllegalArgumentException("cannot copy " + src.length() + " values into a tensor of " + t.size());
        }
        t.set(floats(src));
    }
}
