package org.purifybench.core.weights;

import java.util.Arrays;

/**
 * One tensor of a weights file, row-major (C order) in PyTorch's layout, as 32-bit floats whatever
 * the file stored (F16, BF16, F64 and integer tensors are converted on reading).
 *
 * @param dtype the dtype the file stored, in safetensors' spelling (F32, F16, BF16, F64, I64, ...)
 */
public record TensorData(String dtype, long[] shape, float[] values) {
    public TensorData {
        shape = shape.clone();
        if (count(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count(shape) + " values, not "
                    + values.length);
        }
    }

    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }
}
