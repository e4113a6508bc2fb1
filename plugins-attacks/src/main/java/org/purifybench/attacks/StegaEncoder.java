package org.purifybench.attacks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.purifybench.spi.ImageShape;
import org.purifybench.toolkit.Graphs;
import org.purifybench.toolkit.NetBuilder;

/**
 * A StegaStamp-style encoder/decoder pair (Tancik et al., CVPR 2020, the encoder SSBA uses), small
 * enough to train on two CPU cores in about a minute.
 *
 * <p>Encoder: x' = clip(x + r, 0, 1) with r = bound * tanh(E(x, s)), so |r| <= bound per pixel by
 * construction. E maps the bits s (as -1/+1) through a dense layer to a full-resolution map of
 * {@value #SECRET_CHANNELS} channels, concatenates it with x on channels and applies
 * {@value #ENCODER_LAYERS} 3x3 convolutions of {@code width} channels (ReLU) and a 3x3 convolution
 * to C channels: r depends on the image. Decoder D(x'): two 3x3 convolutions with stride 2
 * ({@code decoderWidth} and twice as many channels, ReLU), a dense layer of {@code hidden} units (ReLU)
 * and one logit per bit; it takes any image of the shape, encoded or not.
 *
 * <p>Training (Adam, one step per {@link #step} call) minimises
 * BCE(D(x'), s) + lambda * mean(m(x) r^2) + mean(max(0, |E| - {@value #SATURATION})^2) on random
 * bit strings s, so the decoder must read the bits rather than learn a constant. BCE with logits is written by hand as softplus(z) - s z (the loss
 * ops of SameDiff M2.1 ignore upstream gradients, docs/engine-notes.md pitfall 1). m(x) = (t / (t + sd3(x)))^2
 * is a visibility weight, sd3 the standard deviation of x in a 3x3 window per channel and t the
 * {@code texture} constant: a change costs fully in flat regions and less in textured ones, where
 * it is harder to see (texture masking), which pushes the residual towards each image's edges and
 * textures; texture 0 weights all pixels equally. lambda is fed per step, so the caller can ramp it.
 * The last term keeps E where tanh still has a slope ({@link #SATURATION}).
 *
 * <p>Parameters are initialised from one seeded stream ({@link NetBuilder}) and the caller feeds batches in a
 * seeded order, so a seed gives identical weights on one machine and thread count (measured: the
 * same seed gives bit-identical weights; results differ slightly between OMP_NUM_THREADS 1 and 2).
 */
final class StegaEncoder {
    private static final String IMAGES = "x";
    private static final String SECRETS = "s";
    private static final String RESIDUAL = "residual";
    private static final String ENCODED = "encoded";
    private static final String LOGITS = "logits";
    private static final String LOSS = "loss";
    private static final String TO_DECODE = "y";
    private static final String LAMBDA = "lambda";
    private static final String DECODED = "decoded";
    private static final String BCE = "bce";
    private static final String VISIBILITY = "visibility";
    /** Channels of the secret's full-resolution map. */
    static final int SECRET_CHANNELS = 2;
    /** Hidden 3x3 convolutions of the encoder. */
    static final int ENCODER_LAYERS = 2;
    /**
     * Pre-tanh level beyond which E is penalised (quadratically, weight 1). Without it the encoder
     * can slide into tanh's flat tails within a few dozen Adam steps, while the decoder still reads
     * nothing: r becomes one constant +-bound pattern for every image and bit string, and the
     * vanished gradients keep it there (observed on Fashion-MNIST with seed 0).
     */
    static final double SATURATION = 2.0;
    /** Images per forward pass outside training (bounds memory, not results). */
    private static final int BATCH = 256;
    private final SameDiff sd = SameDiff.create();
    private final Map<String, INDArray> params;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final ImageShape shape;
    private final int bits;
    private final double bound;
    private int iteration;

    /**
     * @param bound   L-inf bound of the residual
     * @param width        channels of the encoder's hidden convolutions
     * @param decoderWidth channels of the decoder's first convolution (its second has twice as many)
     * @param hidden       units of the decoder's dense layer
     * @param texture      constant of the visibility weight (0: uniform weight)
     */
    StegaEncoder(ImageShape shape, int bits, double bound, int width, int decoderWidth, int hidden, double texture,
                 double learningRate, long seed) {
        if (bits < 1 || !(bound > 0) || width < 1 || decoderWidth < 1 || hidden < 1 || !(texture >= 0) || !(learningRate > 0)) {
            throw new IllegalArgumentException("invalid encoder settings: bits " + bits + ", bound " + bound + ", width " + width
                    + ", decoder width " + decoderWidth + ", hidden " + hidden + ", texture " + texture + ", learning rate " + learningRate);
        }
        this.shape = shape;
        this.bits = bits;
        this.bound = bound;
        NetBuilder net = new NetBuilder(sd, seed);
        long c = shape.channels();
        long h = shape.height();
        long w = shape.width();
        SDVariable x = sd.placeHolder(IMAGES, DataType.FLOAT, -1, c, h, w);
        SDVariable s = sd.placeHolder(SECRETS, DataType.FLOAT, -1, bits);

        // Encoder: the bits in {-1, 1} -> a full-resolution map, next to the image.
        SDVariable secretMap = net.dense(s.mul(2).sub(1), bits, SECRET_CHANNELS * h * w, "e_secret")
                .reshape(-1, SECRET_CHANNELS, h, w);
        SDVariable e = sd.concat(1, x, secretMap);
        long in = c + SECRET_CHANNELS;
        for (int i = 1; i <= ENCODER_LAYERS; i++) {
            e = sd.nn().relu(net.conv3x3(e, in, width, 1, "e" + i, Math.sqrt(2.0 / (9 * in))), 0);
            in = width;
        }
        e = net.conv3x3(e, width, c, 1, "e_out", Math.sqrt(1.0 / (9 * width)));
        SDVariable pre = e;
        SDVariable r = sd.math().tanh(e).mul(bound).rename(RESIDUAL);
        SDVariable encoded = sd.math().clipByValue(x.add(r), 0.0, 1.0).rename(ENCODED);

        // Decoder, applied to the encoder's output (training) and to a placeholder of its own (decode()).
        Decoder decoder = new Decoder(c, h, w, decoderWidth, hidden, net);
        params = net.params();
        SDVariable z = decoder.logits(encoded).rename(LOGITS);
        decoder.logits(sd.placeHolder(TO_DECODE, DataType.FLOAT, -1, c, h, w)).rename(DECODED);

        // BCE with logits, by hand: softplus(z) - s z, averaged over samples and bits.
        SDVariable bce = sd.nn().softplus(z).sub(z.mul(s)).mean().rename(BCE);
        SDVariable weight = sd.placeHolder(LAMBDA, DataType.FLOAT);
        SDVariable penalty = r.mul(r);
        if (texture > 0) {
            Pooling2DConfig pool = Pooling2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1)
                    .type(Pooling2D.Pooling2DType.AVG).divisor(Pooling2D.Divisor.EXCLUDE_PADDING).isNHWC(false).build();
            SDVariable mean = sd.cnn().avgPooling2d(x, pool);
            SDVariable var = sd.nn().relu(sd.cnn().avgPooling2d(x.mul(x), pool).sub(mean.mul(mean)), 0);
            SDVariable std = sd.math().sqrt(var.add(1e-6));
            SDVariable mask = std.add(texture).rdiv(texture);
            penalty = penalty.mul(mask.mul(mask));
        }
        SDVariable visibility = penalty.mean().rename(VISIBILITY);
        // Keeps E out of tanh's flat tails (|E| > 2, |r| > 0.96 bound): see SATURATION.
        SDVariable over = sd.nn().relu(sd.math().abs(pre).sub(SATURATION), 0);
        bce.add(visibility.mul(weight)).add(over.mul(over).mean()).rename(LOSS);
        sd.setLossVariables(LOSS);
        Graphs.compileGradients(sd);
        Adam adam = new Adam(learningRate);
        params.forEach((name, p) -> updaters.put(name, adam.instantiate(Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(p.length())), true)));
    }

    /** The decoder's parameters, shared by every place it is applied. */
    private final class Decoder {
        private final SDVariable[] conv = new SDVariable[4];
        private final SDVariable[] fc = new SDVariable[4];
        private final int[] strides = {2, 2};
        private final long features;

        Decoder(long c, long h, long w, int width, int hidden, NetBuilder net) {
            long[] in = {c, width};
            long[] out = {width, 2L * width};
            for (int i = 0; i < 2; i++) {
                conv[2 * i] = net.param("d" + (i + 1) + "_W", net.normal(Math.sqrt(2.0 / (9 * in[i])), 3, 3, in[i], out[i]));
                conv[2 * i + 1] = net.param("d" + (i + 1) + "_b", Nd4j.zeros(DataType.FLOAT, out[i]));
            }
            features = 2L * width * half(half(h)) * half(half(w));
            double b1 = 1 / Math.sqrt(features);
            fc[0] = net.param("d_hidden_W", net.uniform(b1, features, hidden));
            fc[1] = net.param("d_hidden_b", net.uniform(b1, 1, hidden));
            double b2 = 1 / Math.sqrt(hidden);
            fc[2] = net.param("d_out_W", net.uniform(b2, hidden, bits));
            fc[3] = net.param("d_out_b", net.uniform(b2, 1, bits));
        }

        SDVariable logits(SDVariable x) {
            SDVariable d = x;
            for (int i = 0; i < 2; i++) {
                Conv2DConfig cfg = Conv2DConfig.builder().kH(3).kW(3).sH(strides[i]).sW(strides[i]).pH(1).pW(1)
                        .dataFormat("NCHW").build();
                d = sd.nn().relu(sd.cnn().conv2d(d, conv[2 * i], conv[2 * i + 1], cfg), 0);
            }
            d = sd.nn().relu(d.reshape(-1, features).mmul(fc[0]).add(fc[1]), 0);
            return d.mmul(fc[2]).add(fc[3]);
        }
    }

    /** Output size of a 3x3 convolution with stride 2 and padding 1. */
    private static long half(long n) {
        return (n - 1) / 2 + 1;
    }

    int bits() {
        return bits;
    }

    double bound() {
        return bound;
    }

    ImageShape shape() {
        return shape;
    }

    /**
     * One Adam step on a batch of images and bit strings (0/1 values, [N, bits]) with the given
     * weight of the visibility term; returns {bce, visibility}.
     */
    synchronized double[] step(INDArray images, INDArray secrets, double lambda) {
        Map<String, INDArray> ph = new LinkedHashMap<>(feed(images, secrets));
        ph.put(LAMBDA, Nd4j.scalar(DataType.FLOAT, (float) lambda));
        OutAndGrad og = sd.calculateGradientsAndOutputs(ph, List.of(BCE, VISIBILITY), params.keySet());
        iteration++;
        og.getGradients().forEach((name, g) -> {
            INDArray update = g.reshape(1, g.length()).dup();
            updaters.get(name).applyUpdater(update, iteration, 0);
            params.get(name).subi(update.reshape(params.get(name).shape()));
        });
        return new double[] {og.getOutputs().get(BCE).getDouble(0), og.getOutputs().get(VISIBILITY).getDouble(0)};
    }

    /** r = bound * tanh(E(x, s)) before clipping, [N, C, H, W]. */
    INDArray residual(INDArray images, INDArray secrets) {
        return run(images, secrets, RESIDUAL);
    }

    /** clip(x + r, 0, 1). */
    INDArray encode(INDArray images, INDArray secrets) {
        return run(images, secrets, ENCODED);
    }

    /** The decoder's logits for (already encoded) images, [N, bits]. */
    synchronized INDArray decode(INDArray images) {
        INDArray out = Nd4j.create(DataType.FLOAT, images.size(0), bits);
        for (long from = 0; from < images.size(0); from += BATCH) {
            long to = Math.min(images.size(0), from + BATCH);
            INDArray y = images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())
                    .assign(sd.output(Map.of(TO_DECODE, y.castTo(DataType.FLOAT)), DECODED).get(DECODED));
        }
        return out;
    }

    private synchronized INDArray run(INDArray images, INDArray secrets, String variable) {
        INDArray out = Nd4j.create(DataType.FLOAT, images.shape());
        for (long from = 0; from < images.size(0); from += BATCH) {
            long to = Math.min(images.size(0), from + BATCH);
            INDArray x = images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray s = secrets.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                    .assign(sd.output(feed(x, s), variable).get(variable));
        }
        return out;
    }

    private static Map<String, INDArray> feed(INDArray images, INDArray secrets) {
        return Map.of(IMAGES, images.castTo(DataType.FLOAT), SECRETS, secrets.castTo(DataType.FLOAT));
    }

    Map<String, INDArray> parameters() {
        return params;
    }

    /** The trained weights (encoder and decoder) as bytes, for the host's artefact cache. */
    byte[] weights() {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(params.size());
            for (var e : params.entrySet()) {
                float[] v = e.getValue().dup('c').data().asFloat();
                out.writeUTF(e.getKey());
                out.writeInt(v.length);
                for (float f : v) {
                    out.writeFloat(f);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Loads what {@link #weights()} wrote; refuses weights of another configuration instead of mixing them. */
    void loadWeights(byte[] weights) {
        try (var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(weights))) {
            int count = in.readInt();
            if (count != params.size()) {
                throw new IllegalArgumentException("cached ssba weights hold " + count + " arrays, this encoder has " + params.size());
            }
            for (var e : params.entrySet()) {
                String name = in.readUTF();
                int n = in.readInt();
                if (!name.equals(e.getKey()) || n != e.getValue().length()) {
                    throw new IllegalArgumentException("cached ssba weights have " + name + "[" + n + "] where this encoder has "
                            + e.getKey() + "[" + e.getValue().length() + "]");
                }
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = in.readFloat();
                }
                e.getValue().assign(Nd4j.create(v, e.getValue().shape(), 'c'));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("cached ssba weights have " + in.available() + " trailing bytes");
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cached ssba weights are truncated: " + e.getMessage(), e);
        }
    }
}
