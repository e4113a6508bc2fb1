package org.purifybench.evaluators;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.toolkit.Graphs;
import org.purifybench.toolkit.NetBuilder;

/**
 * QRA's perturbation generator (paper appendix B.2): an MLP on the flattened image, three hidden
 * layers of ReLU units, tanh output scaled by eps, so every pixel of the perturbation lies in
 * [-eps, eps] by construction. The classifiers it attacks are not part of this graph: the caller
 * differentiates through them with {@code Model.inputGradient} and hands the result in as the
 * upstream gradient of {@link #step}.
 *
 * <p>The optimizer is SGD with heavy-ball momentum as PyTorch's {@code torch.optim.SGD} computes it
 * without dampening or weight decay ({@code v = momentum * v + g; w -= lr * v}), the reference code's
 * choice ({@code fine_tune/qra.py} of AISafety-HKUST/stable_backdoor_purification:
 * {@code optim.SGD(..., lr=1e-1, momentum=0.9)}). One velocity per parameter, zero at construction,
 * so the first step is plain SGD and a run is deterministic given the seed and the batches.
 */
final class PerturbationGenerator {
    private static final String IN = "x";
    private static final String UPSTREAM = "upstream";
    private static final String OUT = "delta";

    private final SameDiff sd = SameDiff.create();
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> velocity = new LinkedHashMap<>();
    private final long[] imageShape;
    private final double eps;

    /**
     * @param imageShape {channels, height, width}
     * @param hidden     units per hidden layer (paper: 1024)
     */
    PerturbationGenerator(long[] imageShape, int hidden, double eps, long seed) {
        if (!(eps > 0) || hidden < 1) {
            throw new IllegalArgumentException("QRA generator needs eps > 0 and hidden >= 1, got eps " + eps + ", hidden " + hidden);
        }
        this.imageShape = imageShape.clone();
        this.eps = eps;
        long d = imageShape[0] * imageShape[1] * imageShape[2];
        NetBuilder net = new NetBuilder(sd, seed); // dense layers as PyTorch's nn.Linear initialises them, as the reference code gets them
        SDVariable x = sd.placeHolder(IN, DataType.FLOAT, -1, d);
        SDVariable h = net.reluMlp(x, d, 3, hidden, "h");
        SDVariable delta = sd.math().tanh(net.dense(h, hidden, d, "out")).mul(eps).rename(OUT);
        params = net.params();
        params.forEach((name, value) -> velocity.put(name, Nd4j.zeros(value.dataType(), value.shape())));
        SDVariable up = sd.placeHolder(UPSTREAM, DataType.FLOAT, -1, d);
        delta.mul(up).sum().rename("vjp");
        sd.setLossVariables("vjp");
        Graphs.compileGradients(sd);
    }

    double eps() {
        return eps;
    }

    /** The perturbation for a batch of images [N, C, H, W], same shape, every value in [-eps, eps]. */
    INDArray perturbation(INDArray images) {
        INDArray flat = images.castTo(DataType.FLOAT).reshape(images.size(0), -1);
        return sd.output(Map.of(IN, flat), OUT).get(OUT).reshape(shape(images.size(0)));
    }

    /** clip(x + delta(x), 0, 1): the perturbed images QRA submits as queries. */
    INDArray perturb(INDArray images) {
        INDArray x = images.castTo(DataType.FLOAT);
        return clip01(x.add(perturbation(x)));
    }

    /** A clipped copy; {@code a} is left as it is (the caller still needs it for the clip's gradient mask). */
    static INDArray clip01(INDArray a) {
        return org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(a, 0.0, true), 1.0, false);
    }

    /**
     * One step of SGD with momentum given dLoss/d(delta) for the batch (shape [N, C, H, W]):
     * {@code v = momentum * v + g; w -= learningRate * v} for every parameter w with gradient g.
     * Momentum 0 is plain SGD.
     */
    void step(INDArray images, INDArray upstream, double learningRate, double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("QRA generator momentum must be in [0, 1), got " + momentum);
        }
        gradients(images, upstream).forEach((name, g) -> {
            INDArray v = velocity.get(name).muli(momentum).addi(g);
            params.get(name).subi(v.mul(learningRate));
        });
    }

    /** dLoss/dw for every parameter w given dLoss/d(delta) for the batch; changes nothing. */
    Map<String, INDArray> gradients(INDArray images, INDArray upstream) {
        long n = images.size(0);
        return sd.calculateGradients(Map.of(
                IN, images.castTo(DataType.FLOAT).reshape(n, -1),
                UPSTREAM, upstream.castTo(DataType.FLOAT).reshape(n, -1)), params.keySet());
    }

    private long[] shape(long n) {
        return new long[] {n, imageShape[0], imageShape[1], imageShape[2]};
    }

    Map<String, INDArray> parameters() {
        return params;
    }
}
