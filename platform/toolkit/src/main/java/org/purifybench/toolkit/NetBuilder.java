package org.purifybench.toolkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the small trainable networks plug-ins train outside the host's trainer (an attack's
 * encoder, an inversion's generator, an evaluator's perturbation MLP) into a SameDiff graph: 3x3
 * convolutions, dense layers and MLPs, their parameters initialised from one seeded
 * {@link SplittableRandom} in the order they are added, and collected by name in that order.
 * The same calls with the same seed give bit-identical weights.
 *
 * <p>Initialisations: convolution weights N(0, std^2) ([3, 3, in, out], Box-Muller), convolution
 * biases zero; dense weights and biases U(-1/sqrt(in), 1/sqrt(in)), PyTorch's {@code nn.Linear}
 * default.
 */
public final class NetBuilder {
    private final SameDiff sd;
    private final SplittableRandom random;
    private final Map<String, INDArray> params = new LinkedHashMap<>();

    public NetBuilder(SameDiff sd, long seed) {
        this.sd = sd;
        this.random = new SplittableRandom(seed);
    }

    public SameDiff sd() {
        return sd;
    }

    /** A trainable variable with this initial value, registered under {@code name}. */
    public SDVariable param(String name, INDArray value) {
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' is already defined");
        }
        SDVariable v = sd.var(name, value);
        params.put(name, v.getArr());
        return v;
    }

    /** 3x3 convolution, padding 1, NCHW; weights {@code name_W} ~ N(0, std^2), bias {@code name_b} = 0. */
    public SDVariable conv3x3(SDVariable x, long in, long out, int stride, String name, double std) {
        SDVariable w = param(name + "_W", normal(std, 3, 3, in, out));
        SDVariable b = param(name + "_b", Nd4j.zeros(DataType.FLOAT, out));
        Conv2DConfig cfg = Conv2DConfig.builder().kH(3).kW(3).sH(stride).sW(stride).pH(1).pW(1).dataFormat("NCHW").build();
        return sd.cnn().conv2d(x, w, b, cfg);
    }

    /** x W + b for x of [N, in]; {@code name_W} [in, out] and {@code name_b} [1, out] with PyTorch's nn.Linear initialisation. */
    public SDVariable dense(SDVariable x, long in, long out, String name) {
        double bound = 1 / Math.sqrt(in);
        SDVariable w = param(name + "_W", uniform(bound, in, out));
        SDVariable b = param(name + "_b", uniform(bound, 1, out));
        return x.mmul(w).add(b);
    }

    /** {@code layers} dense layers of {@code hidden} ReLU units, named {@code prefix1}, {@code prefix2}, ... */
    public SDVariable reluMlp(SDVariable x, long in, int layers, long hidden, String prefix) {
        SDVariable h = x;
        long width = in;
        for (int layer = 1; layer <= layers; layer++) {
            h = sd.nn().relu(dense(h, width, hidden, prefix + layer), 0);
            width = hidden;
        }
        return h;
    }

    /** N(0, std^2) values of this shape (FLOAT, 'c' order), drawn from the builder's stream. */
    public INDArray normal(double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return Nd4j.create(v, shape, 'c');
    }

    /** U(-bound, bound) values of [rows, cols] (FLOAT, 'c' order), drawn from the builder's stream. */
    public INDArray uniform(double bound, long rows, long cols) {
        float[] v = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }

    /** The parameters so far, by name in the order they were added (the graph's live arrays). */
    public Map<String, INDArray> params() {
        return params;
    }
}
