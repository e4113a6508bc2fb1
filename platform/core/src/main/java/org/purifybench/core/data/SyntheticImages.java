package org.purifybench.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;

/**
 * A seeded, learnable stand-in for a real dataset, so unit tests of attacks, defenses and the
 * pipeline run in seconds and without any files. Each class has a fixed random low-frequency
 * template; an image is its class template plus per-pixel Gaussian noise, clipped to [0,1]. The
 * templates are far apart relative to the noise, so a small CNN (or a nearest-centroid rule)
 * separates the classes well, while the noise keeps images of one class distinct.
 */
public final class SyntheticImages {
    /** Template resolution before upsampling: coarse enough that templates look like blobs, not noise. */
    static final int GRID = 4;
    static final double NOISE_SIGMA = 0.2;

    private SyntheticImages() {
    }

    /**
     * Makes a dataset; the same arguments always give identical arrays (java.util.Random's
     * algorithm is fixed by its specification, so this holds across JVMs too). The test set does not
     * depend on {@code trainSize}.
     */
    public static Dataset generate(ImageShape shape, int numClasses, int trainSize, int testSize, long seed) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        }
        if (trainSize < 1 || testSize < 1) {
            throw new IllegalArgumentException("set sizes must be positive: train " + trainSize + ", test " + testSize);
        }
        if (shape.pixels() * Math.max(trainSize, testSize) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many pixels for one array: " + shape + " x " + Math.max(trainSize, testSize));
        }
        // Independent streams per part, so resizing one part leaves the others unchanged.
        Random master = new Random(seed);
        float[][] templates = templates(shape, numClasses, new Random(master.nextLong()));
        LabeledImages train = sample(shape, templates, trainSize, new Random(master.nextLong()));
        LabeledImages test = sample(shape, templates, testSize, new Random(master.nextLong()));
        return new Dataset("synthetic", train, test, "synthetic seed " + seed,
                DataVerification.unverified("generated in code (synthetic seed " + seed + "), not a published dataset"));
    }

    private static float[][] templates(ImageShape shape, int numClasses, Random rnd) {
        int c = shape.channels();
        int h = shape.height();
        int w = shape.width();
        float[][] out = new float[numClasses][c * h * w];
        for (int k = 0; k < numClasses; k++) {
            double[] grid = new double[c * GRID * GRID];
            for (int i = 0; i < grid.length; i++) {
                grid[i] = rnd.nextDouble();
            }
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        out[k][(ch * h + y) * w + x] = (float) bilinear(grid, ch, scale(y, h), scale(x, w));
                    }
                }
            }
        }
        return out;
    }

    /** Maps a pixel coordinate onto [0, GRID-1], so the grid's corners meet the image's corners. */
    private static double scale(int i, int n) {
        return n == 1 ? 0 : (double) i * (GRID - 1) / (n - 1);
    }

    private static double bilinear(double[] grid, int ch, double gy, double gx) {
        int y0 = Math.min((int) gy, GRID - 2);
        int x0 = Math.min((int) gx, GRID - 2);
        double fy = gy - y0;
        double fx = gx - x0;
        int base = ch * GRID * GRID;
        double top = grid[base + y0 * GRID + x0] * (1 - fx) + grid[base + y0 * GRID + x0 + 1] * fx;
        double bottom = grid[base + (y0 + 1) * GRID + x0] * (1 - fx) + grid[base + (y0 + 1) * GRID + x0 + 1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    private static LabeledImages sample(ImageShape shape, float[][] templates, int size, Random rnd) {
        int numClasses = templates.length;
        // Balanced classes (as in the real datasets), in random order.
        List<Integer> order = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            order.add(i % numClasses);
        }
        Collections.shuffle(order, rnd);
        int pixels = (int) shape.pixels();
        float[] data = new float[size * pixels];
        int[] labels = new int[size];
        for (int n = 0; n < size; n++) {
            labels[n] = order.get(n);
            float[] t = templates[labels[n]];
            for (int p = 0; p < pixels; p++) {
                double v = t[p] + NOISE_SIGMA * rnd.nextGaussian();
                data[n * pixels + p] = (float) Math.min(1.0, Math.max(0.0, v));
            }
        }
        return new LabeledImages(Nd4j.create(data, new long[] {size, shape.channels(), shape.height(), shape.width()}),
                labels, numClasses);
    }
}
