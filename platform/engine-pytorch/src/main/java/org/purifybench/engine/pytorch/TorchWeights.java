package org.purifybench.engine.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.purifybench.core.model.Architectures;
import org.purifybench.core.model.DropoutMasks;
import org.purifybench.core.model.ParameterWalk;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SeededInit;
import org.purifybench.spi.BatchNormLayer;

/**
 * A model's tensors on the device: trainable parameters (gradients attached) and BatchNorm running
 * statistics, by the zoo's names. Shapes are the SPI's ({@code [1, C, 1, 1]} for BatchNorm vectors
 * is stored as {@code [C]}, the same values in the same order), so copying to and from INDArrays is
 * a flat copy.
 */
final class TorchWeights {
    final Map<String, NDArray> params = new LinkedHashMap<>();
    final Map<String, NDArray> state = new LinkedHashMap<>();
    /** The SPI's shape of every array, by name. */
    final Map<String, long[]> spiShapes = new LinkedHashMap<>();
    final List<BatchNormLayer> batchNorms = new ArrayList<>();
    long featureSize;
    /** Dropout masks, from a stream seeded by the model's seed (DropoutMasks). */
    DropoutMasks dropout = new DropoutMasks(0);

    NDArray param(String name) {
        return params.get(name);
    }

    NDArray state(String name) {
        return state.get(name);
    }

    /** The weights {@code spec} and {@code seed} give, identical to the ND4J engine's (same init stream, same order). */
    static TorchWeights init(ModelSpec spec, long seed, NDManager manager) {
        TorchWeights w = new TorchWeights();
        w.dropout = new DropoutMasks(seed);
        Architectures.build(new Initialiser(w, new SeededInit(seed), manager), spec);
        return w;
    }

    /** A deep copy into {@code manager}. */
    TorchWeights copy(NDManager manager) {
        TorchWeights c = new TorchWeights();
        params.forEach((k, v) -> {
            NDArray d = v.duplicate();
            d.attach(manager);
            d.setRequiresGradient(true);
            c.params.put(k, d);
        });
        state.forEach((k, v) -> {
            NDArray d = v.duplicate();
            d.attach(manager);
            c.state.put(k, d);
        });
        c.spiShapes.putAll(spiShapes);
        c.batchNorms.addAll(batchNorms);
        c.featureSize = featureSize;
        c.dropout = dropout.restart();
        return c;
    }

    /** Walks the architecture once, creating each layer's tensors; the "tensor" it passes along is unused. */
    private static final class Initialiser extends ParameterWalk {
        private final TorchWeights w;
        private final SeededInit init;
        private final NDManager manager;
        private int counter;

        Initialiser(TorchWeights w, SeededInit init, NDManager manager) {
            this.w = w;
            this.init = init;
            this.manager = manager;
        }

        private void param(String name, double[] values, long[] spiShape, long... shape) {
            NDArray a = array(values, shape);
            a.setRequiresGradient(true);
            w.params.put(name, a);
            w.spiShapes.put(name, spiShape);
        }

        private NDArray array(double[] values, long... shape) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return manager.create(f, new Shape(shape));
        }

        @Override
        public Object conv(Object x, long inC, long outC, int kernel, int stride, int padding, boolean bias) {
            String n = "conv" + (counter++);
            long[] shape = {kernel, kernel, inC, outC};
            param(n + "_W", init.heNormal(kernel, inC, outC), shape, shape);
            if (bias) {
                param(n + "_b", new double[(int) outC], new long[] {outC}, outC);
            }
            return null;
        }

        @Override
        public Object batchNorm(Object x, long channels) {
            String n = "bn" + (counter++);
            long[] spi = {1, channels, 1, 1};
            double[] ones = new double[(int) channels];
            java.util.Arrays.fill(ones, 1);
            param(n + "_gamma", ones, spi, channels);
            param(n + "_beta", new double[(int) channels], spi, channels);
            w.state.put(n + "_rmean", array(new double[(int) channels], channels));
            w.spiShapes.put(n + "_rmean", spi);
            w.state.put(n + "_rvar", array(ones, channels));
            w.spiShapes.put(n + "_rvar", spi);
            w.batchNorms.add(new BatchNormLayer(n + "_gamma", n + "_beta", (int) channels));
            return null;
        }

        @Override
        public Object dense(Object x, long in, long out, String name) {
            double bound = 1 / Math.sqrt(in);
            param(name + "_W", init.uniform(bound, in * out), new long[] {in, out}, in, out);
            param(name + "_b", init.uniform(bound, out), new long[] {1, out}, 1, out);
            w.featureSize = in;
            return null;
        }
    }
}
