package org.purifybench.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds layers from SameDiff primitives, working around ND4J M2.1's gaps (docs/engine-notes.md):
 * BatchNorm is written from primitive ops (sd.nn.batchNorm is not differentiable), convolution
 * weights stay in the default YXIO layout (OIYX breaks backprop). Parameters are initialised by
 * {@link SeededInit}, so a seed gives the same weights on any machine and engine.
 */
final class GraphBuilder implements Layers<SDVariable> {
    static final double BN_EPS = 1e-5;

    final SameDiff sd = SameDiff.create();
    final DataType dtype;
    final SDVariable input;
    final SDVariable trainFlag;
    private final SeededInit init;
    final Map<String, SDVariable> params = new LinkedHashMap<>();
    final Map<String, INDArray> state = new LinkedHashMap<>();
    /** Names of each BN layer's running statistics (constants) and batch statistics (graph outputs). */
    final List<BnLayer> batchNorms = new ArrayList<>();
    /** Dropout layers in creation order: each reads its mask from a placeholder the model feeds. */
    final List<DropoutLayer> dropouts = new ArrayList<>();
    private int counter;

    record BnLayer(String runningMean, String runningVar, String batchMean, String batchVar, String gamma, String beta,
                   int channels) {
    }

    record DropoutLayer(String mask, long size, double p) {
    }

    GraphBuilder(ModelSpec spec, long seed) {
        this.dtype = spec.dtype().equals("double") ? DataType.DOUBLE : DataType.FLOAT;
        this.init = new SeededInit(seed);
        var s = spec.shape();
        input = sd.placeHolder(SdModel.INPUT, dtype, -1, s.channels(), s.height(), s.width());
        // 1 = training mode (batch statistics), 0 = evaluation mode (running statistics).
        trainFlag = sd.placeHolder(SdModel.TRAIN_FLAG, dtype);
    }

    private String name(String kind) {
        return kind + (counter++);
    }

    private INDArray array(double[] values, long... shape) {
        return Nd4j.create(values, shape, dtype);
    }

    private SDVariable param(String name, INDArray value) {
        SDVariable v = sd.var(name, value);
        params.put(name, v);
        return v;
    }

    /** He-normal init; the bias, if any, starts at zero. */
    @Override
    public SDVariable conv(SDVariable x, long inC, long outC, int kernel, int stride, int padding, boolean bias) {
        String n = name("conv");
        SDVariable w = param(n + "_W", array(init.heNormal(kernel, inC, outC), kernel, kernel, inC, outC));
        Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .pH(padding).pW(padding).dataFormat("NCHW").build();
        if (bias) {
            return sd.cnn().conv2d(n, x, w, param(n + "_b", Nd4j.zeros(dtype, outC)), cfg);
        }
        return sd.cnn().conv2d(n, x, w, cfg);
    }

    @Override
    public SDVariable batchNorm(SDVariable x, long channels) {
        String n = name("bn");
        SDVariable gamma = param(n + "_gamma", Nd4j.ones(dtype, 1, channels, 1, 1));
        SDVariable beta = param(n + "_beta", Nd4j.zeros(dtype, 1, channels, 1, 1));
        INDArray rm = Nd4j.zeros(dtype, 1, channels, 1, 1);
        INDArray rv = Nd4j.ones(dtype, 1, channels, 1, 1);
        state.put(n + "_rmean", rm);
        state.put(n + "_rvar", rv);
        // Constants: never trained, but their arrays are updated in place by the trainer.
        SDVariable runMean = sd.constant(n + "_rmean", rm);
        SDVariable runVar = sd.constant(n + "_rvar", rv);
        // One pass over x for the statistics (var = E[x^2] - E[x]^2, clamped at 0 against rounding)
        // and the output as x * scale + shift: 5 full-size ops instead of 7 for (x - mean) * scale
        // + beta, which is faster (docs/performance.md, graph-level choices; BatchNormFormulaTest holds
        // the outputs and gradients equal to the centred formula's).
        SDVariable batchMean = x.mean(n + "_bmean", true, 0, 2, 3);
        SDVariable batchVar = sd.nn().relu(x.mul(x).mean(true, 0, 2, 3).sub(batchMean.mul(batchMean)), 0)
                .rename(n + "_bvar");
        SDVariable evalFlag = trainFlag.rsub(1.0);
        SDVariable mean = batchMean.mul(trainFlag).add(runMean.mul(evalFlag));
        SDVariable var = batchVar.mul(trainFlag).add(runVar.mul(evalFlag));
        SDVariable scale = gamma.mul(sd.math().rsqrt(var.add(BN_EPS)));
        SDVariable shift = beta.sub(mean.mul(scale));
        // M2.1's multiply_bp is far slower with a broadcast operand than with equal shapes
        // (docs/performance.md, graph-level choices), so the per-channel scale is first
        // broadcast by an addition, whose backward is a fast reduction.
        SDVariable scaleFull = sd.zerosLike(x).add(scale);
        batchNorms.add(new BnLayer(n + "_rmean", n + "_rvar", n + "_bmean", n + "_bvar", n + "_gamma", n + "_beta",
                (int) channels));
        return x.mul(scaleFull).add(n, shift);
    }

    @Override
    public SDVariable relu(SDVariable x) {
        return sd.nn().relu(x, 0);
    }

    @Override
    public SDVariable maxPool2(SDVariable x) {
        return sd.cnn().maxPooling2d(x, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).isNHWC(false).build());
    }

    @Override
    public SDVariable maxPool(SDVariable x, int kernel, int stride, int padding) {
        return sd.cnn().maxPooling2d(x, Pooling2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .pH(padding).pW(padding).isNHWC(false).build());
    }

    @Override
    public SDVariable avgPool(SDVariable x, int kernel, int stride) {
        return sd.cnn().avgPooling2d(x, Pooling2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .isNHWC(false).build());
    }

    @Override
    public SDVariable adaptiveAvgPool(SDVariable x, int inHeight, int inWidth, int out) {
        if (inHeight == out && inWidth == out) {
            return x;
        }
        return separable(x, Resampling.adaptiveAverage(inHeight, out), Resampling.adaptiveAverage(inWidth, out),
                inHeight, inWidth, out);
    }

    @Override
    public SDVariable resize(SDVariable x, int inHeight, int inWidth, int size) {
        return separable(x, Resampling.bilinear(inHeight, size), Resampling.bilinear(inWidth, size), inHeight, inWidth, size);
    }

    /**
     * {@code rows X cols^T} for every image and channel, as 2-D products (M2.1's tensormmul_bp fails
     * on these shapes); the batch and channel counts are read from x's shape at run time.
     */
    private SDVariable separable(SDVariable x, double[] rows, double[] cols, int inHeight, int inWidth, int out) {
        SDVariable colsT = sd.constant(array(Resampling.transpose(cols, out, inWidth), inWidth, out));
        SDVariable rowsT = sd.constant(array(Resampling.transpose(rows, out, inHeight), inHeight, out));
        SDVariable y = x.reshape(-1, inWidth).mmul(colsT); // [N C H, out]
        y = y.reshape(-1, inHeight, out).permute(0, 2, 1).reshape(-1, inHeight).mmul(rowsT); // [N C out(w), out(h)]
        y = y.reshape(-1, out, out).permute(0, 2, 1); // [N C, h, w]
        SDVariable batchAndChannels = sd.shape(x).get(SDIndex.interval(0, 2));
        SDVariable shape = sd.concat(0, batchAndChannels, sd.constant(Nd4j.createFromArray((long) out, (long) out)));
        return y.reshape(shape);
    }

    @Override
    public SDVariable concat(SDVariable a, SDVariable b) {
        return sd.concat(1, a, b);
    }

    /** x times a mask placeholder: a Bernoulli mask in training, ones in evaluation (SdModel feeds both). */
    @Override
    public SDVariable dropout(SDVariable x, long size, double p) {
        String mask = "dropout_mask" + dropouts.size();
        dropouts.add(new DropoutLayer(mask, size, p));
        return x.mul(sd.placeHolder(mask, dtype, -1, size));
    }

    @Override
    public SDVariable globalAvgPool(SDVariable x) {
        return x.mean(2, 3);
    }

    @Override
    public SDVariable input() {
        return input;
    }

    @Override
    public SDVariable flatten(SDVariable x, long size) {
        return x.reshape(-1, size);
    }

    @Override
    public SDVariable features(SDVariable x) {
        return x.rename(SdModel.FEATURES);
    }

    @Override
    public SDVariable add(SDVariable a, SDVariable b) {
        return a.add(b);
    }

    /** Fully connected layer, PyTorch-style uniform init. */
    @Override
    public SDVariable dense(SDVariable x, long in, long out, String name) {
        double bound = 1 / Math.sqrt(in);
        SDVariable w = param(name + "_W", array(init.uniform(bound, in * out), in, out));
        SDVariable b = param(name + "_b", array(init.uniform(bound, out), 1, out));
        return x.mmul(w).add(name, b);
    }
}
