package org.purifybench.attacks;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.Progress;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.toolkit.Shuffle;

/**
 * SSBA (Li et al., ICCV 2021): an invisible, sample-specific trigger. A StegaStamp-style
 * encoder/decoder ({@link StegaEncoder}) is trained in {@link #prepare} on the clean training data
 * ({@link AttackContext#trainingData()}) to hide random bit strings in images as a small residual,
 * |r| <= {@code bound} per pixel by construction. Poisoned images are the encoder's outputs for one
 * fixed bit string drawn from the seed, relabelled to the target (dirty label, exactly
 * round(rate x N) non-target samples, as every {@link DirtyLabelBackdoor}); the trigger is the same
 * in training and test. The residual depends on the image; the summary (also logged) reports its
 * L-inf and PSNR, which share of its energy is not common to all images, and the decoder's bit
 * accuracy, all on training images held out from the encoder's training.
 *
 * <p>Parameters and defaults (chosen for Fashion-MNIST, 28x28x1): {@code bits} 32 (BackdoorBench
 * hides 100 bits in 32x32x3 CIFAR images; a 28x28 gray image is a quarter of that, and 32 bits are
 * decoded at about 97% after a minute's training), {@code bound} 0.05 (L-inf, about 13/255, so
 * PSNR >= 26 dB whatever the encoder does), {@code epochs} 3, {@code train-images} 10000 (at most;
 * 10% of the training data, at most 1000 images, are held out to measure the encoder),
 * {@code batch} 64, {@code lr} 0.002 (Adam), {@code lambda} 30 and {@code texture} 0.05 (weight and
 * shape of the visibility term, see {@link StegaEncoder} and {@link Trigger#visibilityWeight}),
 * {@code width} 16 (encoder), {@code decoder-width} 16 and {@code hidden} 128 (decoder).
 *
 * <p>lambda trades invisibility and sample-specificity against how easily a classifier learns the
 * backdoor. Measured on Fashion-MNIST (encoder on 9,000 images, cnn-small width 16 trained 5 epochs
 * on 10,000 images at 5%, ASR on 2,000 test images): lambda 0 gives PSNR 29-30 dB, 17-23% of the
 * residual's energy image-specific and ASR 93-99% (seeds 0-2); lambda 30 gives 30-31 dB, 21-26% and
 * ASR 94-99%; lambda 100 32 dB, 34% and ASR 53% (seed 0); lambda 300 33 dB, 34-44% and ASR 24%
 * (seed 0) / 93% (seed 1).
 *
 * <p>Nothing is downloaded. The trained encoder is kept in the host's artefact cache (keyed like the
 * backdoored model), so later processes read it instead of retraining; training is deterministic
 * (same seed, same weights and poisoned images on one machine and thread count). With the defaults on Fashion-MNIST
 * (10,000 images) that takes about 30 s on two lightly loaded CPU cores (measured 27-31 s), and
 * many times that on cores busy with other work.
 */
@PurifyBenchPlugin(kind = Kind.ATTACK, id = "ssba", version = "1.0.0",
        description = "SSBA: sample-specific invisible residual from a StegaStamp-style encoder trained in the platform, dirty label",
        paper = "Li et al., Invisible Backdoor Attack with Sample-Specific Triggers, ICCV 2021, arXiv:2012.03816",
        params = {
            @Param(name = "bits", type = ParamType.INT, defaultValue = "32", min = 1, max = 1024, description = "bits of the hidden string", source = "chosen for 28x28 gray images (BackdoorBench: 100 bits in 32x32x3)"),
            @Param(name = "bound", type = ParamType.NUMBER, defaultValue = "0.05", min = 0, max = 1, description = "L-inf bound of the residual per pixel, in (0, 1]", source = "chosen so PSNR >= 26 dB (about 13/255)"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "3", min = 0, description = "encoder training epochs"),
            @Param(name = "train-images", type = ParamType.INT, defaultValue = "10000", min = 1, description = "most training images the encoder is trained on"),
            @Param(name = "batch", type = ParamType.INT, defaultValue = "64", min = 1, description = "encoder training batch size"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.002", min = 0, description = "Adam learning rate of the encoder, > 0"),
            @Param(name = "lambda", type = ParamType.NUMBER, defaultValue = "30", min = 0, description = "weight of the visibility term"),
            @Param(name = "texture", type = ParamType.NUMBER, defaultValue = "0.05", min = 0, description = "shape of the visibility term (see Trigger.visibilityWeight)"),
            @Param(name = "width", type = ParamType.INT, defaultValue = "16", min = 1, description = "encoder width"),
            @Param(name = "decoder-width", type = ParamType.INT, defaultValue = "16", min = 1, description = "decoder width"),
            @Param(name = "hidden", type = ParamType.INT, defaultValue = "128", min = 1, description = "decoder hidden units")
        })
public final class Ssba implements Attack {
    /** Fractions of the training steps where the visibility weight starts rising from 0 and reaches lambda. */
    static final double RAMP_FROM = 0.3;
    static final double RAMP_TO = 0.7;
    /** Running bit BCE at which the decoder counts as reading the bits (about 93% bit accuracy). */
    static final double BCE_READ = 0.2;

    /** Training settings of the encoder. */
    record Settings(int bits, double bound, int epochs, int trainImages, int batch, double lr, double lambda, double texture,
                    int width, int decoderWidth, int hidden) {
        static Settings of(Params p) {
            Settings s = new Settings(p.getInt("bits", 32), p.getDouble("bound", 0.05), p.getInt("epochs", 3),
                    p.getInt("train-images", 10_000), p.getInt("batch", 64), p.getDouble("lr", 0.002),
                    p.getDouble("lambda", 30), p.getDouble("texture", 0.05), p.getInt("width", 16), p.getInt("decoder-width", 16),
                    p.getInt("hidden", 128));
            if (s.bits < 1 || s.bits > 1024) {
                throw new IllegalArgumentException("ssba bits must be in [1, 1024], got " + s.bits);
            }
            if (!(s.bound > 0 && s.bound <= 1)) {
                throw new IllegalArgumentException("ssba bound (L-inf) must be in (0, 1], got " + s.bound);
            }
            if (s.epochs < 0 || s.trainImages < 1 || s.batch < 1 || !(s.lr > 0) || !(s.lambda >= 0) || !(s.texture >= 0)
                    || s.width < 1 || s.decoderWidth < 1 || s.hidden < 1) {
                throw new IllegalArgumentException("ssba needs epochs >= 0, train-images >= 1, batch >= 1, lr > 0, lambda >= 0,"
                        + " texture >= 0, width, decoder-width and hidden >= 1; got " + s);
            }
            return s;
        }
    }

    @Override
    public Backdoor prepare(AttackContext ctx) {
        Settings settings = Settings.of(ctx.params());
        LabeledImages data = ctx.trainingData();
        if (data == null || data.size() < 2) {
            throw new IllegalArgumentException("ssba trains its encoder on the clean training data, but the context has "
                    + (data == null ? "none" : data.size() + " image"));
        }
        if (!data.shape().equals(ctx.shape())) {
            throw new IllegalArgumentException("ssba: training images are " + data.shape() + ", the context says " + ctx.shape());
        }
        return new Trigger(ctx, settings);
    }

    /**
     * What the encoder achieves on images it was not trained on, with the fixed bit string unless
     * said otherwise. The residual is the actual change x' - x (after clipping).
     *
     * @param specificShare    share of the residual's energy that is not the mean residual of the images
     * @param rawSpecificShare the same for r before clipping
     */
    record Stats(int images, double meanLinf, double maxLinf, double meanPsnr, double specificShare, double rawSpecificShare,
                 double bitAccuracyFixed, double bitAccuracyRandom, int trainImages, double seconds) {
    }

    /** The prepared attack: the trained encoder and the fixed bit string. */
    static final class Trigger extends DirtyLabelBackdoor {
        private final Settings settings;
        private final StegaEncoder encoder;
        private final float[] secret;
        private final Stats stats;

        Trigger(AttackContext ctx, Settings settings) {
            super(ctx);
            this.settings = settings;
            // Independent streams: secret, initial weights, data split, training batches, measurement.
            SplittableRandom master = new SplittableRandom(ctx.seed());
            SplittableRandom secretRandom = master.split();
            secret = new float[settings.bits()];
            for (int i = 0; i < secret.length; i++) {
                secret[i] = secretRandom.nextBoolean() ? 1 : 0;
            }
            encoder = new StegaEncoder(ctx.shape(), settings.bits(), settings.bound(), settings.width(), settings.decoderWidth(),
                    settings.hidden(), settings.texture(), settings.lr(), master.nextLong());
            LabeledImages data = ctx.trainingData();
            int held = Math.max(1, Math.min(1000, data.size() / 10));
            int train = Math.min(settings.trainImages(), data.size() - held);
            int[] order = Shuffle.permutation(data.size(), new Random(master.nextLong()));
            INDArray heldOut = data.subset(Arrays.copyOfRange(order, 0, held)).images().castTo(DataType.FLOAT);
            INDArray images = data.subset(Arrays.copyOfRange(order, held, held + train)).images().castTo(DataType.FLOAT);
            SplittableRandom trainRandom = master.split();
            double[] seconds = {Double.NaN}; // stays NaN when the encoder comes from the cache
            // Cached like a model: the host keys the entry by everything that determines this context.
            byte[] cached = ctx.artefacts().getOrCompute("encoder", () -> {
                long start = System.nanoTime();
                train(ctx, images, trainRandom);
                seconds[0] = (System.nanoTime() - start) / 1e9;
                return encoder.weights();
            });
            if (Double.isNaN(seconds[0])) {
                encoder.loadWeights(cached);
                ctx.host().log("ssba: encoder read from the artefact cache");
            }
            stats = measure(heldOut, master.split(), train, seconds[0]);
            ctx.host().log("ssba: " + summary());
        }

        private void train(AttackContext ctx, INDArray images, SplittableRandom random) {
            int n = (int) images.size(0);
            int b = Math.min(settings.batch(), n);
            int steps = n / b; // whole batches only
            int total = settings.epochs() * steps;
            INDArray flat = images.reshape(n, -1);
            Random shuffle = new Random(random.nextLong());
            try (Progress progress = ctx.host().progress("ssba encoder", total)) {
                double bce = Double.NaN;
                for (int epoch = 0; epoch < settings.epochs(); epoch++) {
                    int[] order = Shuffle.permutation(n, shuffle);
                    for (int step = 0; step < steps; step++) {
                        int[] idx = Arrays.copyOfRange(order, step * b, (step + 1) * b);
                        INDArray x = Nd4j.pullRows(flat, 1, idx).reshape(b, images.size(1), images.size(2), images.size(3));
                        double[] loss = encoder.step(x, randomSecrets(b, random), settings.lambda() * visibilityWeight(epoch * steps + step, total, bce));
                        bce = Double.isNaN(bce) ? loss[0] : 0.95 * bce + 0.05 * loss[0];
                        progress.step(1);
                        if (step % 20 == 0) {
                            progress.message(String.format(Locale.ROOT, "epoch %d/%d, bit BCE %.3f", epoch + 1, settings.epochs(), bce));
                        }
                    }
                }
            }
        }

        /**
         * Share of lambda at a step: 0 before {@link #RAMP_FROM} of the steps, rising linearly to 1 at
         * {@link #RAMP_TO}, times the decoder's progress - 0 while the running bit BCE is at chance
         * (ln 2), 1 once it is below {@link #BCE_READ} - so the residual is only squeezed as far as
         * the decoder can still read it, and never before it has learnt to.
         */
        static double visibilityWeight(int step, int total, double runningBce) {
            double done = (double) step / total;
            double ramp = Math.min(1, Math.max(0, (done - RAMP_FROM) / (RAMP_TO - RAMP_FROM)));
            double reading = Double.isNaN(runningBce) ? 0 : (Math.log(2) - runningBce) / (Math.log(2) - BCE_READ);
            return ramp * Math.min(1, Math.max(0, reading));
        }

        private INDArray randomSecrets(int n, SplittableRandom random) {
            float[] v = new float[n * secret.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextBoolean() ? 1 : 0;
            }
            return Nd4j.create(v, new long[] {n, secret.length}, 'c');
        }

        private INDArray fixedSecrets(long n) {
            return secret().repeat(0, n);
        }

        private Stats measure(INDArray x, SplittableRandom random, int trainImages, double seconds) {
            long n = x.size(0);
            INDArray s = fixedSecrets(n);
            INDArray encoded = encoder.encode(x, s);
            INDArray diff = encoded.sub(x).reshape(n, -1);
            INDArray linf = Transforms.abs(diff).max(1);
            INDArray mse = diff.mul(diff).mean(1);
            double psnr = 0;
            for (long i = 0; i < n; i++) {
                // Capped at 100 dB: an unchanged image would count as infinitely good.
                psnr += Math.min(100, 10 * Math.log10(1 / Math.max(mse.getDouble(i), 1e-10)));
            }
            INDArray raw = encoder.residual(x, s).reshape(n, -1);
            INDArray r = randomSecrets((int) n, random);
            return new Stats((int) n, linf.meanNumber().doubleValue(), linf.maxNumber().doubleValue(), psnr / n,
                    specificShare(diff), specificShare(raw), bitAccuracy(encoder.decode(encoded), s),
                    bitAccuracy(encoder.decode(encoder.encode(x, r)), r), trainImages, seconds);
        }

        /** Share of the rows' energy not explained by their mean row: 0 for identical rows. */
        static double specificShare(INDArray rows) {
            INDArray specific = rows.subRowVector(rows.mean(0));
            double total = rows.mul(rows).sumNumber().doubleValue();
            return total == 0 ? 0 : specific.mul(specific).sumNumber().doubleValue() / total;
        }

        /** Fraction of bits where the logit's sign matches the bit. */
        static double bitAccuracy(INDArray logits, INDArray secrets) {
            INDArray predicted = logits.gt(0).castTo(DataType.FLOAT);
            return predicted.eq(secrets.castTo(DataType.FLOAT)).castTo(DataType.FLOAT).meanNumber().doubleValue();
        }

        @Override
        void stamp(INDArray images, Phase phase) {
            if (!encoder.shape().equals(new ImageShape((int) images.size(1), (int) images.size(2), (int) images.size(3)))) {
                throw new IllegalArgumentException("ssba's encoder was trained for " + encoder.shape() + " images, got "
                        + Arrays.toString(images.shape()));
            }
            images.assign(encoder.encode(images, fixedSecrets(images.size(0))).castTo(images.dataType()));
        }

        StegaEncoder encoder() {
            return encoder;
        }

        /** The fixed bit string, 0/1 values, [1, bits]. */
        INDArray secret() {
            return Nd4j.create(secret.clone(), new long[] {1, secret.length}, 'c');
        }

        /** The residual r = bound * tanh(E(x, s)) for the fixed bit string, before clipping. */
        INDArray residual(INDArray images) {
            return encoder.residual(images, fixedSecrets(images.size(0)));
        }

        Stats stats() {
            return stats;
        }

        @Override
        public String summary() {
            StringBuilder bitString = new StringBuilder();
            for (float b : secret) {
                bitString.append(b > 0 ? '1' : '0');
            }
            Stats t = stats;
            return String.format(Locale.ROOT, "%d-bit secret %s, residual L-inf bound %.4g; on %d held-out images:"
                            + " residual L-inf mean %.4f / max %.4f, mean PSNR %.1f dB, image-specific share of its energy %.2f"
                            + " (before clipping %.2f), decoder bit accuracy %.4f (fixed secret) / %.4f (random secrets);"
                            + " encoder trained %d epochs on %d images %s",
                    secret.length, bitString, settings.bound(), t.images(), t.meanLinf(), t.maxLinf(), t.meanPsnr(),
                    t.specificShare(), t.rawSpecificShare(), t.bitAccuracyFixed(), t.bitAccuracyRandom(), settings.epochs(),
                    t.trainImages(), Double.isNaN(t.seconds()) ? "(read from the artefact cache)"
                            : String.format(Locale.ROOT, "in %.0f s", t.seconds()));
        }
    }
}
