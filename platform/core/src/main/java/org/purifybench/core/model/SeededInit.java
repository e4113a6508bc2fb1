package org.purifybench.core.model;

import java.util.SplittableRandom;

/**
 * The initial weights of a model, drawn from one {@link SplittableRandom} in the order layers are
 * created: a seed gives the same weights on any machine and on every engine.
 */
public final class SeededInit {
    private final SplittableRandom random;

    public SeededInit(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public static long count(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** He-normal convolution weights (std sqrt(2 / fan-in)). */
    public double[] heNormal(int kernel, long inC, long outC) {
        double std = Math.sqrt(2.0 / (kernel * kernel * inC));
        double[] v = new double[(int) count(kernel, kernel, inC, outC)];
        for (int i = 0; i < v.length; i++) {
            v[i] = nextGaussian() * std;
        }
        return v;
    }

    /** Uniform in [-bound, bound] (PyTorch's Linear init with bound 1/sqrt(fan-in)). */
    public double[] uniform(double bound, long n) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (random.nextDouble() * 2 - 1) * bound;
        }
        return v;
    }

    private double nextGaussian() {
        // Box-Muller on the seeded stream: java.util.Random's nextGaussian is not on SplittableRandom in 17.
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
