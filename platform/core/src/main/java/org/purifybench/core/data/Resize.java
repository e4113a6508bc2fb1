package org.purifybench.core.data;

/**
 * Bilinear resizing as Pillow does it ({@code Image.resize(size, BILINEAR)}, which torchvision's
 * {@code Resize} calls on PIL images, and so BackdoorBench's GTSRB transform): a triangle filter
 * widened by the scale factor when shrinking (antialiasing), applied horizontally then vertically,
 * with Pillow's 22-bit fixed-point weights and rounding so the bytes come out the same. Written by
 * hand because the JDK's AffineTransformOp bilinear does not antialias and rounds differently.
 */
final class Resize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resize() {
    }

    /** Resizes one image given as {@code channels} planes of {@code h x w} bytes to {@code outH x outW}. */
    static byte[] planes(byte[] src, int channels, int h, int w, int outH, int outW) {
        byte[] out = new byte[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            byte[] plane = new byte[h * w];
            System.arraycopy(src, c * h * w, plane, 0, plane.length);
            byte[] horizontal = w == outW ? plane : pass(plane, h, w, outW, true);
            byte[] both = h == outH ? horizontal : pass(horizontal, h, outW, outH, false);
            System.arraycopy(both, 0, out, c * outH * outW, outH * outW);
        }
        return out;
    }

    /** One direction: along rows ({@code horizontal}, {@code w -> outSize}) or along columns ({@code h -> outSize}). */
    private static byte[] pass(byte[] in, int h, int w, int outSize, boolean horizontal) {
        int inSize = horizontal ? w : h;
        Coeffs k = coeffs(inSize, outSize);
        int outH = horizontal ? h : outSize;
        int outW = horizontal ? outSize : w;
        byte[] out = new byte[outH * outW];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = horizontal ? x : y;
                int ss = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < k.count[o]; i++) {
                    int src = k.first[o] + i;
                    int value = in[horizontal ? y * w + src : src * w + x] & 0xff;
                    ss += value * k.weights[o * k.size + i];
                }
                int v = ss >> PRECISION_BITS;
                out[y * outW + x] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
        return out;
    }

    private record Coeffs(int size, int[] first, int[] count, int[] weights) {
    }

    /** Pillow's precompute_coeffs for the bilinear filter (support 1), then normalize_coeffs_8bpc. */
    private static Coeffs coeffs(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale;
        int size = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * size];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] k = new double[xmax];
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double t = Math.abs((x + xmin - center + 0.5) * ss);
                k[x] = t < 1.0 ? 1.0 - t : 0.0;
                ww += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                double n = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * size + x] = (int) (n < 0 ? -0.5 + n * (1 << PRECISION_BITS) : 0.5 + n * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coeffs(size, first, count, weights);
    }
}
