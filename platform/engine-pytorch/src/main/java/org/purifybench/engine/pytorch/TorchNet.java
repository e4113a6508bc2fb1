package org.purifybench.engine.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import org.purifybench.core.model.Layers;
import org.purifybench.core.model.Resampling;

/**
 * One forward pass of a zoo architecture on libtorch, eagerly. Parameters are looked up by the
 * names the layers get in creation order (as in the ND4J graph). Every intermediate lives in
 * {@code scratch}, which the caller closes: DJL attaches an op's result to its first operand's
 * manager, so anything derived from a weight is moved there explicitly.
 */
final class TorchNet implements Layers<NDArray> {
    static final float BN_EPS = 1e-5f;

    private final TorchWeights weights;
    private final NDManager scratch;
    private final NDArray input;
    private final boolean training;
    private final float statsMomentum;
    private int counter;
    private NDArray features;

    /**
     * @param statsMomentum in training mode, the weight of this batch's statistics in the running
     *                      ones (PyTorch's momentum: 0.1), or 0 to leave the running statistics untouched
     */
    TorchNet(TorchWeights weights, NDManager scratch, NDArray input, boolean training, float statsMomentum) {
        this.weights = weights;
        this.scratch = scratch;
        this.input = input;
        this.training = training;
        this.statsMomentum = statsMomentum;
    }

    NDArray features() {
        return features;
    }

    private NDArray local(NDArray a) {
        a.attach(scratch);
        return a;
    }

    @Override
    public NDArray input() {
        return input;
    }

    @Override
    public NDArray conv(NDArray x, long inC, long outC, int kernel, int stride, int padding, boolean bias) {
        String n = "conv" + (counter++);
        // stored as [kH, kW, in, out] like the ND4J graph (the SPI's layout); torch convolves [out, in, kH, kW]
        NDArray w = local(weights.param(n + "_W").transpose(3, 2, 0, 1));
        NDArray b = bias ? weights.param(n + "_b") : null;
        return Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    @Override
    public NDArray batchNorm(NDArray x, long channels) {
        String n = "bn" + (counter++);
        NDArray mean = weights.state(n + "_rmean");
        NDArray var = weights.state(n + "_rvar");
        if (training && statsMomentum == 0) {
            mean = local(mean.duplicate());
            var = local(var.duplicate());
        }
        // DJL passes momentum on as MXNet's (weight of the old value): 1 - PyTorch's.
        return BatchNorm.batchNorm(x, mean, var, weights.param(n + "_gamma"), weights.param(n + "_beta"), 1,
                1 - statsMomentum, BN_EPS, training).singletonOrThrow();
    }

    @Override
    public NDArray relu(NDArray x) {
        return ai.djl.nn.Activation.relu(x);
    }

    @Override
    public NDArray maxPool2(NDArray x) {
        return Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
    }

    @Override
    public NDArray maxPool(NDArray x, int kernel, int stride, int padding) {
        return Pool.maxPool2d(x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), false);
    }

    @Override
    public NDArray avgPool(NDArray x, int kernel, int stride) {
        return Pool.avgPool2d(x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(0, 0), false, true);
    }

    @Override
    public NDArray adaptiveAvgPool(NDArray x, int inHeight, int inWidth, int out) {
        if (inHeight == out && inWidth == out) {
            return x;
        }
        return separable(x, Resampling.adaptiveAverage(inHeight, out), Resampling.adaptiveAverage(inWidth, out),
                inHeight, inWidth, out);
    }

    @Override
    public NDArray resize(NDArray x, int inHeight, int inWidth, int size) {
        return separable(x, Resampling.bilinear(inHeight, size), Resampling.bilinear(inWidth, size), inHeight, inWidth, size);
    }

    /** rows x X x cols^T per image and channel with the ND4J graph's matrices (torch.matmul broadcasts over N, C). */
    private NDArray separable(NDArray x, double[] rows, double[] cols, int inHeight, int inWidth, int out) {
        NDArray colsT = scratch.create(floats(Resampling.transpose(cols, out, inWidth)), new Shape(inWidth, out));
        NDArray r = scratch.create(floats(rows), new Shape(out, inHeight));
        return local(r.matMul(x.matMul(colsT)));
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Override
    public NDArray concat(NDArray a, NDArray b) {
        return a.concat(b, 1);
    }

    /** The same host-drawn masks as the ND4J graph's (DropoutMasks), so a seed gives the same masks on both. */
    @Override
    public NDArray dropout(NDArray x, long size, double p) {
        if (!training) {
            return x;
        }
        long n = x.getShape().get(0);
        return x.mul(scratch.create(weights.dropout.next(n, size, p), new Shape(n, size)));
    }

    @Override
    public NDArray globalAvgPool(NDArray x) {
        return x.mean(new int[] {3}).mean(new int[] {2});
    }

    @Override
    public NDArray flatten(NDArray x, long size) {
        return x.reshape(-1, size);
    }

    @Override
    public NDArray features(NDArray x) {
        features = x;
        return x;
    }

    @Override
    public NDArray add(NDArray a, NDArray b) {
        return a.add(b);
    }

    @Override
    public NDArray dense(NDArray x, long in, long out, String name) {
        return x.matMul(weights.param(name + "_W")).add(weights.param(name + "_b"));
    }
}
