package org.purifybench.core.model;

import java.util.SplittableRandom;

/**
 * The dropout masks of one model, drawn on the host from a stream seeded by the model's seed: a
 * seed gives the same sequence of masks on every run and on both engines, provided they make the
 * same training-mode forward passes in the same order (each pass draws one mask per dropout layer,
 * in layer order). Copies of a model restart the stream, so masks are reproducible, not
 * independent, across copies.
 */
public final class DropoutMasks {
    private final long seed;
    private SplittableRandom random;

    public DropoutMasks(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A fresh stream with the same seed. */
    public DropoutMasks restart() {
        return new DropoutMasks(seed);
    }

    /** [rows, size] row-major: 0 with probability p, else 1 / (1 - p). */
    public synchronized float[] next(long rows, long size, double p) {
        float keep = (float) (1 / (1 - p));
        float[] m = new float[Math.toIntExact(rows * size)];
        for (int i = 0; i < m.length; i++) {
            m[i] = random.nextDouble() < p ? 0f : keep;
        }
        return m;
    }
}
