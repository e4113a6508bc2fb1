package org.purifybench.defenses;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.purifybench.spi.ImageShape;

/**
 * The trigger generator of BTI-DBF: G(x) = clip(x + s * tanh(conv-net(x) + P), 0, 1), a small
 * convolutional residual (sample-specific) plus a learned pattern P (universal). The residual is
 * rescaled per image so that mean((G(x) - x)^2) never exceeds the norm bound: the bound holds by
 * construction, not by a penalty. Trained by Adam through vector-Jacobian products handed in from
 * the frozen classifier ({@link #step}).
 */
final class TriggerGenerator {
    private static final String IN = "x";
    private static final String UPSTREAM = "upstream";
    private static final String OUT = "generated";
    private static final int HIDDEN = 16;

    private final SameDiff sd = SameDiff.create();
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray> updaterState = new LinkedHashMap<>();
    private final ImageShape shape;
    private final double normBound;
    private final double learningRate;
    private int iteration;

    TriggerGenerator(ImageShape shape, double normBound, double learningRate, long seed) {
        if (!(normBound > 0)) {
            throw new IllegalArgumentException("generator norm bound must be positive, got " + normBound);
        }
        this.shape = shape;
        this.normBound = normBound;
        this.learningRate = learningRate;
        SplittableRandom random = new SplittableRandom(seed);
        long c = shape.channels();
        SDVariable x = sd.placeHolder(IN, DataType.FLOAT, -1, c, shape.height(), shape.width());
        SDVariable h = sd.nn().relu(conv(x, c, HIDDEN, "g1", random, Math.sqrt(2.0 / (9 * c))), 0);
        h = sd.nn().relu(conv(h, HIDDEN, HIDDEN, "g2", random, Math.sqrt(2.0 / (9 * HIDDEN))), 0);
        SDVariable o = conv(h, HIDDEN, c, "g3", random, 0.01);
        // The pattern starts random: at G(x) = x the feature-separation loss has zero gradient.
        SDVariable pattern = param("pattern", normal(random, 0.5, 1, c, shape.height(), shape.width()));
        SDVariable r = sd.math().tanh(o.add(pattern));
        SDVariable mse = r.mul(r).mean(true, 1, 2, 3);
        SDVariable scale = sd.math().sqrt(sd.math().max(mse, sd.constant(Nd4j.scalar(DataType.FLOAT, normBound))).rdiv(normBound));
        SDVariable g = sd.math().clipByValue(x.add(r.mul(scale)), 0.0, 1.0).rename(OUT);
        SDVariable up = sd.placeHolder(UPSTREAM, DataType.FLOAT, -1, c, shape.height(), shape.width());
        g.mul(up).sum().rename("vjp");
        sd.setLossVariables("vjp");
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream())); // M2.1 prints one line per op here
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(original);
        }
        Adam adam = new Adam(learningRate);
        params.forEach((name, p) -> {
            INDArray state = Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(p.length()));
            updaterState.put(name, state);
            updaters.put(name, adam.instantiate(state, false));
        });
    }

    /**
     * An independent generator with the same weights and optimiser state: a defense that trains a
     * shared (memoised) generator further in later rounds trains its own copy.
     */
    TriggerGenerator copy() {
        TriggerGenerator c = new TriggerGenerator(shape, normBound, learningRate, 0);
        params.forEach((name, p) -> c.params.get(name).assign(p));
        updaterState.forEach((name, s) -> c.updaterState.get(name).assign(s));
        c.iteration = iteration;
        return c;
    }

    private SDVariable conv(SDVariable x, long in, long out, String name, SplittableRandom random, double std) {
        SDVariable w = param(name + "_W", normal(random, std, 3, 3, in, out));
        SDVariable b = param(name + "_b", Nd4j.zeros(DataType.FLOAT, out));
        Conv2DConfig cfg = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1).dataFormat("NCHW").build();
        return sd.cnn().conv2d(x, w, b, cfg);
    }

    private SDVariable param(String name, INDArray value) {
        SDVariable v = sd.var(name, value);
        params.put(name, v.getArr());
        return v;
    }

    private static INDArray normal(SplittableRandom random, double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return Nd4j.create(v, shape, 'c');
    }

    double normBound() {
        return normBound;
    }

    /** G(x) for a batch of images in [0, 1]. */
    INDArray apply(INDArray images) {
        return sd.output(Map.of(IN, images.castTo(DataType.FLOAT)), OUT).get(OUT);
    }

    /** Gradient of sum(G(x) * upstream) with respect to the generator's parameters. */
    Map<String, INDArray> gradient(INDArray images, INDArray upstream) {
        return sd.calculateGradients(Map.of(IN, images.castTo(DataType.FLOAT), UPSTREAM, upstream.castTo(DataType.FLOAT)),
                params.keySet());
    }

    /** One Adam step given dLoss/dG(x) for the batch. */
    void step(INDArray images, INDArray upstream) {
        Map<String, INDArray> grads = gradient(images, upstream);
        iteration++;
        grads.forEach((name, g) -> {
            INDArray update = g.reshape(1, g.length()).dup();
            updaters.get(name).applyUpdater(update, iteration, 0);
            params.get(name).subi(update.reshape(params.get(name).shape()));
        });
    }

    Map<String, INDArray> parameters() {
        return params;
    }
}
