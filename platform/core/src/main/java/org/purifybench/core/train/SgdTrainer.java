package org.purifybench.core.train;

import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.Updater;
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
 * schedule and optional crop-and-flip augmentation, on any engine's {@link HostModel}: the epoch
 * loop, shuffling and augmentation are the host's (so every engine sees the same batches), the
 * step and the optimiser are the engine's.
 */
public final class SgdTrainer implements Trainer {
    private static final int EVAL_BATCH = 500;
    /** int[] of at most a test set each: 256 entries of 10,000 labels are 10 MB. */
    private static final int MEMO_ENTRIES = 256;
    private final Host host;
    private final PredictionMemo predictions = new PredictionMemo(MEMO_ENTRIES);

    public SgdTrainer(Host host) {
        this.host = host;
    }

    static HostModel host(Model model) {
        if (model instanceof HostModel m) {
            return m;
        }
        throw new IllegalArgumentException("this host trains only its own models, got " + model.getClass().getName());
    }

    static DataType dataType(HostModel model) {
        return model.spec().dtype().equals("double") ? DataType.DOUBLE : DataType.FLOAT;
    }

    @Override
    public void train(Model model, LabeledImages data, TrainConfig cfg, StepHook hook, long seed, String phase) {
        HostModel m = host(model);
        int n = data.size();
        int batch = Math.min(cfg.batchSize(), n);
        int perEpoch = (n + batch - 1) / batch;
        long total = (long) perEpoch * cfg.epochs();
        Updater updater = m.updater(cfg);
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
                    INDArray images = augmentation.apply(mb.images());
                    double lr = cfg.learningRateAt(iteration / (double) Math.max(1, total));
                    double loss;
                    if (hook == StepHook.PLAIN) {
                        // Forward, backward and update stay inside the engine (and on its device).
                        loss = updater.step(images, mb.labels(), lr);
                        // No hook saw the batch: its native memory goes back now, not whenever a collection comes
                        // (an engine that allocates little on the Java heap would otherwise pile them up).
                        release(images);
                        release(mb.images());
                    } else {
                        Step step = new Step(m, images, mb.labels(), epoch, iteration);
                        updater.apply(hook.gradient(step), lr);
                        hook.afterStep(step);
                        loss = step.firstLoss;
                    }
                    if (!Double.isNaN(loss)) {
                        lossSum += loss;
                        lossCount++;
                    }
                    iteration++;
                    progress.step(1);
                }
                progress.message(String.format("epoch %d loss %.4f", epoch + 1, lossSum / Math.max(1, lossCount)));
            }
        } finally {
            updater.finish();
        }
    }

    /** Frees a batch's memory; only for arrays this loop made (subset() copies; augmentation copies or passes through). */
    private static void release(INDArray a) {
        org.nd4j.linalg.api.buffer.DataBuffer b = a.data();
        if (!b.wasClosed() && b.closeable()) {
            b.close();
        }
    }

    @Override
    public Map<String, INDArray> gradient(Model model, INDArray images, int[] labels) {
        HostModel m = host(model);
        return m.gradient(images, OneHot.of(labels, m.numClasses(), dataType(m)), null, false).values();
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
        // Cumulative (equal-weight) average over batches, like PyTorch's momentum=None; running
        // statistics are zeroed first so nothing of the old weights leaks in.
        host(model).recalibrateBatchNorm(data, EVAL_BATCH);
    }

    /** The step context handed to hooks; BN statistics are updated by the first gradient only. */
    private static final class Step implements StepContext {
        private final HostModel model;
        private final INDArray images;
        private final int[] labels;
        private final int epoch;
        private final long iteration;
        private boolean statsUpdated;
        double firstLoss = Double.NaN;

        Step(HostModel model, INDArray images, int[] labels, int epoch, long iteration) {
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
            return gradient(x, OneHot.of(y, model.numClasses(), dataType(model)), null);
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
            HostModel.Gradient g = model.gradient(x, targets, featureWeights, !statsUpdated);
            if (!statsUpdated) {
                statsUpdated = true;
                firstLoss = g.loss();
            }
            return g.values();
        }
    }
}
