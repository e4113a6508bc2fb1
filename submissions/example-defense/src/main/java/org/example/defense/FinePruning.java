package org.example.defense;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.BatchNormLayer;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

/**
 * Fine-Pruning (Liu, Dolan-Gavitt and Garg, RAID 2018), written against the PurifyBench SPI only: an
 * example of a third-party defense.
 *
 * <ol>
 *   <li>Rank the channels of the model's last BatchNorm layer by their mean activation on the clean
 *       tuning set, read from {@link Model#features} (the classifier's input: that layer's channels after
 *       ReLU and pooling, flattened channel by channel). Backdoor neurons tend to be dormant on clean
 *       data.</li>
 *   <li>Prune the most dormant channels (BatchNorm scale and shift set to 0, so the channel outputs 0),
 *       {@code step} of the channels at a time, as long as the validation accuracy stays within
 *       {@code max-accuracy-drop} of the unpruned model's (the paper stops at a 4% drop), and at most
 *       {@code max-prune} of them.</li>
 *   <li>Fine-tune on the tuning set (SGD with momentum and a cosine learning-rate schedule); a
 *       {@link StepHook} keeps the pruned channels at 0 after every step.</li>
 * </ol>
 *
 * Everything random comes from {@code ctx.seed()} through the host's trainer, so the same seed gives
 * the same model (the conformance kit checks it).
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = FinePruning.ID, version = FinePruning.VERSION,
        description = "Fine-Pruning: prunes the last layer's channels that are dormant on clean data (within a validation-accuracy budget),"
                + " then fine-tunes with a cosine schedule (example third-party plug-in)",
        paper = "Liu, Dolan-Gavitt, Garg. Fine-Pruning: Defending Against Backdooring Attacks on Deep Neural Networks. RAID 2018."
                + " https://arxiv.org/abs/1805.12185",
        needs = {Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA},
        params = {
            @Param(name = "max-accuracy-drop", type = ParamType.NUMBER, defaultValue = "0.04", min = 0,
                    description = "largest validation accuracy drop pruning may cause", source = "Fine-Pruning paper: pruning stops at a 4% drop"),
            @Param(name = "step", type = ParamType.NUMBER, defaultValue = "0.05", min = 0, max = 1,
                    description = "share of the channels pruned at a time, in (0, 1]"),
            @Param(name = "max-prune", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1,
                    description = "largest share of the channels pruned, in [0, 1)"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "5", min = 0, description = "fine-tuning epochs"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "64", min = 1, description = "fine-tuning batch size"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "fine-tuning SGD learning rate"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "SGD momentum, in [0, 1)"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "5.0E-4", min = 0, description = "weight decay"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "cosine", choices = {"constant", "cosine", "step"},
                    description = "learning-rate schedule")
        })
public final class FinePruning implements Defense {
    public static final String ID = "fine-pruning";
    public static final String VERSION = "1.0.0";

    @Override
    public Model purify(DefenseContext ctx) {
        Params p = ctx.params();
        double maxDrop = p.getDouble("max-accuracy-drop", 0.04);
        double step = p.getDouble("step", 0.05);
        double maxPrune = p.getDouble("max-prune", 0.9);
        if (!(step > 0 && step <= 1) || !(maxPrune >= 0 && maxPrune < 1) || !(maxDrop >= 0)) {
            throw new IllegalArgumentException("fine-pruning: step must be in (0,1], max-prune in [0,1), max-accuracy-drop >= 0;"
                    + " got " + step + ", " + maxPrune + ", " + maxDrop);
        }
        LabeledImages tuning = ctx.requireTuningData();
        LabeledImages validation = ctx.requireValidationData();
        Model model = ctx.backdooredModel();
        Trainer trainer = ctx.host().trainer();

        // 1. the last BatchNorm layer's channels, most dormant first
        List<BatchNormLayer> layers = model.batchNormLayers();
        BatchNormLayer last = layers.get(layers.size() - 1);
        int channels = last.channels();
        double[] activation = meanActivationPerChannel(model, tuning, channels);
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            order.add(c);
        }
        order.sort(Comparator.<Integer>comparingDouble(c -> activation[c]).thenComparingInt(c -> c));

        // 2. prune while the validation accuracy allows it
        INDArray scale = model.parameters().get(last.scale());
        INDArray shift = model.parameters().get(last.shift());
        INDArray scale0 = scale.dup();
        INDArray shift0 = shift.dup();
        double base = trainer.accuracy(model, validation);
        int pruned = 0;
        double prunedAccuracy = base;
        int stepChannels = Math.max(1, (int) Math.round(step * channels));
        int limit = (int) Math.floor(maxPrune * channels);
        for (int k = stepChannels; k <= limit; k += stepChannels) {
            applyMask(scale, shift, scale0, shift0, order.subList(0, k));
            double acc = trainer.accuracy(model, validation);
            if (acc < base - maxDrop) {
                break;
            }
            pruned = k;
            prunedAccuracy = acc;
        }
        List<Integer> prunedChannels = List.copyOf(order.subList(0, pruned));
        applyMask(scale, shift, scale0, shift0, prunedChannels);
        ctx.host().log(String.format(Locale.ROOT, "fine-pruning: pruned %d of %d channels of the last layer; validation accuracy %.4f -> %.4f"
                + " (allowed drop %.2f)", pruned, channels, base, prunedAccuracy, maxDrop));

        // 3. fine-tune, keeping the pruned channels at 0
        TrainConfig config = new TrainConfig(p.getInt("epochs", 5), p.getInt("batch-size", 64), p.getDouble("lr", 0.01),
                p.getDouble("momentum", 0.9), false, p.getDouble("weight-decay", 5e-4), p.getString("schedule", "cosine"));
        StepHook keepPruned = new StepHook() {
            @Override
            public void afterStep(StepContext s) {
                Map<String, INDArray> params = s.model().parameters();
                zero(params.get(last.scale()), prunedChannels);
                zero(params.get(last.shift()), prunedChannels);
            }
        };
        trainer.train(model, tuning, config, keepPruned, ctx.seed(), "defense " + ID);
        ctx.host().log(String.format(Locale.ROOT, "fine-pruning: validation accuracy after fine-tuning %.4f",
                trainer.accuracy(model, validation)));
        return model;
    }

    /**
     * Mean activation of each of the last layer's channels over {@code data}: the features are that
     * layer's output flattened channel by channel (NCHW), so each channel owns a contiguous block.
     */
    static double[] meanActivationPerChannel(Model model, LabeledImages data, int channels) {
        int batch = 256;
        double[] sum = null;
        for (int from = 0; from < data.size(); from += batch) {
            INDArray f = model.features(data.range(from, Math.min(data.size(), from + batch)).images());
            long d = f.size(1);
            if (d % channels != 0) {
                throw new IllegalStateException("fine-pruning: the model's features (" + d + ") are not a whole number of blocks of its last"
                        + " layer's " + channels + " channels; this architecture is not supported");
            }
            double[] colSums = f.sum(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            if (sum == null) {
                sum = new double[channels];
            }
            long perChannel = d / channels;
            for (int i = 0; i < colSums.length; i++) {
                sum[(int) (i / perChannel)] += colSums[i];
            }
        }
        double[] mean = new double[channels];
        for (int c = 0; c < channels && sum != null; c++) {
            mean[c] = sum[c] / data.size();
        }
        return mean;
    }

    private static void applyMask(INDArray scale, INDArray shift, INDArray scale0, INDArray shift0, List<Integer> pruned) {
        scale.assign(scale0);
        shift.assign(shift0);
        zero(scale, pruned);
        zero(shift, pruned);
    }

    private static void zero(INDArray values, List<Integer> channels) {
        for (int c : channels) {
            values.putScalar(c, 0.0);
        }
    }
}
