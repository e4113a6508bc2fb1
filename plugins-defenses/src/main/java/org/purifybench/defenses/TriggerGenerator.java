package org.purifybench.defenses;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.purifybench.spi.ImageShape;
import org.purifybench.toolkit.Graphs;
import org.purifybench.toolkit.NetBuilder;

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
    private final Map<String, INDArray> params;
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
        NetBuilder net = new NetBuilder(sd, seed);
        long c = shape.channels();
        SDVariable x = sd.placeHolder(IN, DataType.FLOAT, -1, c, shape.height(), shape.width());
        SDVariable h = sd.nn().relu(net.conv3x3(x, c, HIDDEN, 1, "g1", Math.sqrt(2.0 / (9 * c))), 0);
        h = sd.nn().relu(net.conv3x3(h, HIDDEN, HIDDEN, 1, "g2", Math.sqrt(2.0 / (9 * HIDDEN))), 0);
        SDVariable o = net.conv3x3(h, HIDDEN, c, 1, "g3", 0.01);
        // The pattern starts random: at G(x) = x the feature-separation loss has zero gradient.
        SDVariable pattern = net.param("pattern", net.normal(0.5, 1, c, shape.height(), shape.width()));
        params = net.params();
        SDVariable r = sd.math().tanh(o.add(pattern));
        SDVariable mse = r.mul(r).mean(true, 1, 2, 3);
        SDVariable scale = sd.math().sqrt(sd.math().max(mse, sd.constant(Nd4j.scalar(DataType.FLOAT, normBound))).rdiv(normBound));
        SDVariable g = sd.math().clipByValue(x.add(r.mul(scale)), 0.0, 1.0).rename(OUT);
        SDVariable up = sd.placeHolder(UPSTREAM, DataType.FLOAT, -1, c, shape.height(), shape.width());
        g.mul(up).sum().rename("vjp");
        sd.setLossVariables("vjp");
        Graphs.compileGradients(sd);
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
