package org.purifybench.core.model;

/**
 * Bilinear resizing and adaptive average pooling are separable linear maps: along each axis an
 * [out, in] matrix. Both engines apply these same matrices, so they agree with each other and
 * with PyTorch's formulas by construction (ResamplingTest holds them to PyTorch's own outputs).
 */
public final class Resampling {
    private Resampling() {
    }

    /**
     * Row-major [out, in] weights of {@code F.interpolate(mode="bilinear", align_corners=False)}
     * along one axis: source coordinate {@code (i + 0.5) in / out - 0.5}, clamped at 0, and linear
     * interpolation between its two neighbours (the upper one clamped at the edge).
     */
    public static double[] bilinear(int in, int out) {
        double[] m = new double[out * in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max(0, (i + 0.5) * scale - 0.5);
            int i0 = (int) src;
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            double l1 = src - i0;
            m[i * in + i0] += 1 - l1;
            m[i * in + i1] += l1;
        }
        return m;
    }

    /** Row-major [out, in] weights of AdaptiveAvgPool along one axis: rows floor(i in / out) .. ceil((i + 1) in / out). */
    public static double[] adaptiveAverage(int in, int out) {
        double[] m = new double[out * in];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floor((double) i * in / out);
            int end = (int) Math.ceil((double) (i + 1) * in / out);
            for (int j = start; j < end; j++) {
                m[i * in + j] = 1.0 / (end - start);
            }
        }
        return m;
    }

    /** The transpose of a row-major [rows, cols] matrix. */
    public static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
