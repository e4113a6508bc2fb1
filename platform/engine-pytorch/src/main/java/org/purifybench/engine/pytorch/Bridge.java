package org.purifybench.engine.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.NativeMemoryPacer;

/**
 * Copies between ND4J arrays (the SPI's) and libtorch tensors (the engine's), float32 both sides.
 * Contiguous arrays are copied memory to memory, without a Java array in between: a step hook on
 * PreAct-ResNet-18 moves 45 MB each way per step, and garbage of that size per step is what pushes
 * resident memory up (docs/engines.md).
 */
final class Bridge {
    private Bridge() {
    }

    /**
     * A view of the array's memory when its values are one C-ordered float32 block (a whole array,
     * a reshape of one, or a range of rows), else null.
     */
    private static FloatBuffer view(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.length() == 0 || a.offset() + a.length() > a.data().length() || !cOrderStrides(a)) {
            return null;
        }
        FloatBuffer b = a.data().asNioFloat();
        b.limit((int) (a.offset() + a.length()));
        b.position((int) a.offset());
        return b.slice();
    }

    private static boolean cOrderStrides(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static FloatBuffer contiguous(INDArray a) {
        FloatBuffer v = view(a);
        return v != null ? v : view((a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT)).dup('c'));
    }

    /**
     * A new tensor in {@code manager} (on its device) with {@code a}'s values, shaped {@code shape}. On
     * the CPU the tensor gets libtorch's own memory and the values are written into it: DJL's
     * create(Buffer) would make it alias a Java direct buffer, freed only when the garbage collector
     * gets to it (resident memory then grows by a batch per step).
     */
    static NDArray toTorch(INDArray a, NDManager manager, long... shape) {
        if (manager.getDevice().isGpu()) {
            return manager.create(contiguous(a), new Shape(shape));
        }
        NDArray t = manager.create(new Shape(shape), ai.djl.ndarray.types.DataType.FLOAT32);
        write(contiguous(a), t);
        return t;
    }

    static NDArray toTorch(INDArray a, NDManager manager) {
        return toTorch(a, manager, a.shape());
    }

    /** Writes {@code src} into a CPU tensor's own memory (a view of it), so the tensor keeps its storage. */
    private static void write(FloatBuffer src, NDArray t) {
        t.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().put(src);
    }

    /** Copies the tensor's values into the float buffer {@code dst}, through a host copy freed at once for a GPU tensor. */
    private static void read(NDArray t, FloatBuffer dst) {
        if (t.getDevice().isGpu()) {
            try (NDArray host = t.toDevice(Device.cpu(), true)) {
                read(host, dst);
            }
            return;
        }
        // a view of the tensor's memory where libtorch allows one, consumed at once
        dst.put(t.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer());
    }

    static INDArray toNd4j(NDArray t, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        read(t, view(a));
        NativeMemoryPacer.afterExecution();
        return a;
    }

    /** Overwrites {@code dst} (a float32 array of the tensor's size) with the tensor's values. */
    static void copyInto(NDArray t, INDArray dst) {
        FloatBuffer v = view(dst);
        if (v != null) {
            read(t, v);
        } else {
            dst.assign(toNd4j(t, dst.shape()));
        }
    }

    /** Overwrites the tensor in place (gradients stay attached) with {@code src}'s values. */
    static void copyInto(INDArray src, NDArray t) {
        if (src.length() != t.size()) {
            throw new IllegalArgumentException("cannot copy " + src.length() + " values into a tensor of " + t.size());
        }
        if (t.getDevice().isGpu()) {
            t.set(contiguous(src)); // copied to the device: nothing aliases the host buffer
        } else {
            write(contiguous(src), t);
        }
    }
}
