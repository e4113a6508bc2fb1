package org.purifybench.core.train;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.Host;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Progress;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;
import org.purifybench.toolkit.OneHot;
import org.purifybench.toolkit.Shuffle;

/**
 * The host's training engine: mini-batch SGD with momentum/Nesterov (or Adam), weight decay, an LR
 * schedule and optional crop-and-flip augmentation, on SameDiff models. Parameters are updated in
 * place, so the optimiser works on any {@link SdModel} whatever the step hook does.
 */
public final class SgdTrainer implements Trainer {
    static final double BN_MOMENTUM = 0.1;
    private static final int EVAL_BATCH = 500;
    /** int[] of at most a test set each: 256 entries of 10,000 labels are 10 MB. */
    private static final int MEMO_ENTRIES = 256;
    private final Host host;
    private final PredictionMemo predictions = new PredictionMemo(MEMO_ENTRIES);

    public SgdTrainer(Host host) {
        this.host = host;
    }

    static SdModel sd(Model model) {
        if (model instanceof SdModel m) {
            return m;
        }
        throw new IllegalArgumentException("this host trains only its own models, got " + model.getClass().getName());
    }

    @Override
    public void train(Model model, LabeledImages data, TrainConfig cfg, StepHook hook, long seed, String phase) {
        SdModel m = sd(model);
        int n = data.size();
        int batch = Math.min(cfg.batchSize(), n);
        int perEpoch = (n + batch - 1) / batch;
        long total = (long) perEpoch * cfg.epochs();
        Optimizer optimizer = Optimizer.of(cfg, m.parameters());
        Random shuffle = new Random(seed);
        // A stream of its own, so a run without augmentation draws exactly the batches it drew before.
        Augmentation augmentation = Augmentation.of(cfg.augmentation(), seed);
        long iteration = 0;
        try (Progress progress = host.progress(phase, total)) {
            for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                int[] order = Shuffle.permutation(n, shuffle);
                double lossSum = 0;
                int lossCount = 0;
                for (int b = 0; b < perEpoch; b++) {
                    int from = b * batch;
                    int to = Math.min(n, from + batch);
                    if (to - from < 2) {
                        continue; // BatchNorm needs two samples; at most one straggler is dropped.
                    }
                    int[] idx = java.util.Arrays.copyOfRange(order, from, to);
                    LabeledImages mb = data.subset(idx);
                    Step step = new Step(m, augmentation.apply(mb.images()), mb.labels(), epoch, iteration);
                    Map<String, INDArray> grad = hook.gradient(step);
                    double lr = cfg.learningRateAt(iteration / (double) Math.max(1, total));
                    optimizer.apply(m.parameters(), grad, lr);
                    hook.afterStep(step);
                    if (!Double.isNaN(step.firstLoss)) {
                        lossSum += step.firstLoss;
                        lossCount++;
                    }
                    iteration++;
                    progress.step(1);
                }
                progress.message(String.format("epoch %d loss %.4f", epoch + 1, lossSum / Math.max(1, lossCount)));
            }
        }
    }

    @Override
    public Map<String, INDArray> gradient(Model model, INDArray images, int[] labels) {
        SdModel m = sd(model);
        return m.step(images, OneHot.of(labels, m.numClasses(), m.dataType())).gradients();
    }

    @Override
    public double accuracy(Model model, LabeledImages data) {
        int[] pred = predict(model, data.images());
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == data.label(i)) {
                correct++;
            }
        }
        return correct / (double) pred.length;
    }

    @Override
    public int[] predict(Model model, INDArray images) {
        return predictions.get(PredictionMemo.key(model, images), () -> model.predict(images));
    }

    /** Predictions served from the memo / computed, so far (tests and the run's log). */
    public long[] predictionMemoHitsAndMisses() {
        return new long[] {predictions.hits(), predictions.misses()};
    }

    @Override
    public void recalibrateBatchNorm(Model model, LabeledImages data) {
        SdModel m = sd(model);
        // Cumulative (equal-weight) average over batches, like PyTorch's momentum=None; running
        // statistics are zeroed first so nothing of the old weights leaks in.
        Map<String, INDArray> sums = new HashMap<>();
        int batches = 0;
        for (int from = 0; from < data.size(); from += EVAL_BATCH) {
            int to = Math.min(data.size(), from + EVAL_BATCH);
            if (to - from < 2) {
                break;
            }
            Map<String, INDArray> stats = m.batchStatistics(data.range(from, to).images());
            stats.forEach((k, v) -> sums.merge(k, v.dup(), INDArray::addi));
            batches++;
        }
        if (batches == 0) {
            throw new IllegalArgumentException("need at least 2 samples to recalibrate BatchNorm");
        }
        for (String[] bn : m.batchNormNames()) {
            m.state().get(bn[0]).assign(sums.get(bn[2]).div(batches));
            m.state().get(bn[1]).assign(sums.get(bn[3]).div(batches));
        }
    }

    /** The step context handed to hooks; BN statistics are updated by the first gradient only. */
    private static final class Step implements StepContext {
        private final SdModel model;
        private final INDArray images;
        private final int[] labels;
        private final int epoch;
        private final long iteration;
        private boolean statsUpdated;
        double firstLoss = Double.NaN;

        Step(SdModel model, INDArray images, int[] labels, int epoch, long iteration) {
            this.model = model;
            this.images = images;
            this.labels = labels;
            this.epoch = epoch;
            this.iteration = iteration;
        }

        @Override
        public Model model() {
            return model;
        }

        @Override
        public INDArray images() {
            return images;
        }

        @Override
        public int[] labels() {
            return labels.clone();
        }

        @Override
        public int epoch() {
            return epoch;
        }

        @Override
        public long iteration() {
            return iteration;
        }

        @Override
        public Map<String, INDArray> gradient() {
            return gradient(images, labels);
        }

        @Override
        public Map<String, INDArray> gradient(INDArray x, int[] y) {
            return gradient(x, OneHot.of(y, model.numClasses(), model.dataType()), null);
        }

        @Override
        public Map<String, INDArray> gradient(INDArray x, INDArray targets) {
            return gradient(x, targets, null);
        }

        @Override
        public INDArray trainingFeatures(INDArray x) {
            return model.trainingFeatures(x);
        }

        @Override
        public Map<String, INDArray> gradient(INDArray x, INDArray targets, INDArray featureWeights) {
            if (targets.rank() != 2 || targets.size(0) != x.size(0) || targets.size(1) != model.numClasses()) {
                throw new IllegalArgumentException("targets must be [" + x.size(0) + ", " + model.numClasses() + "], got "
                        + java.util.Arrays.toString(targets.shape()));
            }
            if (featureWeights != null && (featureWeights.rank() != 2 || featureWeights.size(0) != x.size(0)
                    || featureWeights.size(1) != model.featureSize())) {
                throw new IllegalArgumentException("feature weights must be [" + x.size(0) + ", " + model.featureSize() + "], got "
                        + java.util.Arrays.toString(featureWeights.shape()));
            }
            SdModel.Step s = model.step(x, targets, featureWeights);
            if (!statsUpdated) {
                model.updateBatchNormStats(s, BN_MOMENTUM);
                statsUpdated = true;
                firstLoss = s.loss();
            }
            return new HashMap<>(s.gradients());
        }
    }
}
