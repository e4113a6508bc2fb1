package org.purifybench.defenses;

import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.Host;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.Progress;
import org.purifybench.toolkit.OneHot;
import org.purifybench.toolkit.Seeds;
import org.purifybench.toolkit.Shuffle;

/**
 * Backdoor trigger inversion by decoupling benign features (BTI-DBF, Xu et al., ICLR 2024), on
 * clean data only:
 * <ol>
 * <li>a soft mask m over the classifier's features is learned so that m*z alone predicts the
 *     true label and (1-m)*z does not: m marks the benign features;</li>
 * <li>the {@link TriggerGenerator} is trained to move the non-benign features (1-m)*z as far as
 *     possible while keeping the benign ones (weight 0.01) and staying within its norm bound;</li>
 * <li>the target label is the class the model most often predicts on generated images; further
 *     generator epochs then also pull G(x) toward that class (the paper's later rounds).</li>
 * </ol>
 * Parameters (defaults): mask-epochs 20, generator-epochs 5, refine-epochs 2, generator-lr 0.01,
 * norm-bound 0.02 (mean squared change per pixel in [0,1] units: the reference's 0.3 is on
 * mean/std-normalised CIFAR-10 inputs, about 0.02 in pixel units).
 */
final class TriggerInversion {
    // The inversion parameters' sources (stable_backdoor_purification fine_tune/BTIDBF, the authors' copy of
    // BTI-DBF), shared by the three defenses that declare them.
    static final String MASK_EPOCHS_SOURCE = "stable_backdoor_purification fine_tune/BTIDBF/cfg.py (--mround 20; mask trained by Adam lr 0.01 in btidbfu.py reverse)";
    static final String GENERATOR_EPOCHS_SOURCE = "reduced for CPU cost; reference: cfg.py --uround 30 per round after 50 pre-training epochs (pretrain.py, --preround 50); docs/methods.md";
    static final String REFINE_EPOCHS_SOURCE = "reduced for CPU cost; reference: after round 1 every generator epoch adds CE toward the inferred target (btidbfu.py reverse); docs/methods.md";
    static final String GENERATOR_LR_SOURCE = "raised for the shorter schedule; reference: Adam lr 1e-3 (cfg.py --gen_lr); docs/methods.md";
    private static final int BATCH = 64;
    private static final double BENIGN_WEIGHT = 0.01;

    /** A trained generator, the inferred target label and the share of generated images classified as it. */
    record Result(TriggerGenerator generator, int target, double targetShare) {
        /** The same result with a private copy of the generator, safe to train further. */
        Result withOwnGenerator() {
            return new Result(generator.copy(), target, targetShare);
        }
    }

    private TriggerInversion() {
    }

    /**
     * Inverts the trigger of {@code model} on {@code clean}. With a previous result the generator
     * continues from it (BTI-DBF's rounds) and the target is kept.
     */
    static Result run(Model model, LabeledImages clean, Params p, long seed, Host host, Result previous) {
        INDArray mask = benignMask(model, clean, p.getInt("mask-epochs", 20), seed);
        TriggerGenerator g = previous != null ? previous.generator()
                : new TriggerGenerator(clean.shape(), p.getDouble("norm-bound", 0.02), p.getDouble("generator-lr", 0.01), seed);
        int target = previous != null ? previous.target() : -1;
        int epochs = p.getInt("generator-epochs", 5);
        trainGenerator(model, clean, g, mask, target, epochs, seed, host, "trigger inversion");
        if (target < 0) {
            target = mostPredicted(model, g, clean);
            host.log("trigger inversion: inferred target label " + target);
            trainGenerator(model, clean, g, mask, target, p.getInt("refine-epochs", 2), Seeds.derive(seed, "bti-refine"), host, "trigger inversion (target " + target + ")");
        }
        double share = share(model.predict(g.apply(clean.images())), target);
        return new Result(g, target, share);
    }

    /** Soft mask sigmoid(theta) in [0,1]^D over the classifier's features (exposed for tests). */
    static INDArray benignMask(Model model, LabeledImages clean, int epochs, long seed) {
        List<String> head = model.classifierParameters();
        INDArray w = model.parameters().get(head.get(0)).castTo(DataType.FLOAT); // [D, K]
        INDArray b = model.parameters().get(head.get(1)).castTo(DataType.FLOAT).reshape(1, -1);
        INDArray z = model.features(clean.images()).castTo(DataType.FLOAT);
        long d = z.size(1);
        INDArray oneHot = OneHot.of(clean.labels(), clean.numClasses());
        SplittableRandom random = new SplittableRandom(seed);
        float[] init = new float[(int) d];
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) (random.nextDouble() - 0.5);
        }
        INDArray theta = Nd4j.create(init, new long[] {1, d}, 'c');
        Adam adam = new Adam(0.01);
        GradientUpdater<?> updater = adam.instantiate(Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(d)), true);
        int n = clean.size();
        int iteration = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = Shuffle.permutation(n, random);
            for (int from = 0; from < n; from += BATCH) {
                int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + BATCH));
                INDArray zb = z.getRows(idx);
                INDArray yb = oneHot.getRows(idx);
                INDArray m = Transforms.sigmoid(theta, true);
                INDArray pBenign = Transforms.softmax(zb.mulRowVector(m).mmul(w).addiRowVector(b), false);
                INDArray pRest = Transforms.softmax(zb.mulRowVector(m.rsub(1)).mmul(w).addiRowVector(b), false);
                // L = CE(m*z) - CE((1-m)*z); dL/dm = sum_n [((p1 - y) + (p2 - y)) W^T]_n * z_n / N
                INDArray dLogits = pBenign.subi(yb).addi(pRest.subi(yb)).divi(idx.length);
                INDArray dMask = dLogits.mmul(w.transpose()).muli(zb).sum(true, 0);
                INDArray dTheta = dMask.muli(m).muli(m.rsub(1));
                updater.applyUpdater(dTheta, ++iteration, epoch);
                theta.subi(dTheta);
            }
        }
        return Transforms.sigmoid(theta, true);
    }

    private static void trainGenerator(Model model, LabeledImages clean, TriggerGenerator g, INDArray mask, int target,
                                       int epochs, long seed, Host host, String phase) {
        int n = clean.size();
        SplittableRandom random = new SplittableRandom(Seeds.derive(seed, "bti-generator-batches"));
        INDArray keep = mask.mul(mask).muli(2 * BENIGN_WEIGHT);
        INDArray move = mask.rsub(1);
        move.muli(move).muli(-2);
        try (Progress progress = host.progress(phase, (long) epochs * ((n + BATCH - 1) / BATCH))) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                int[] order = Shuffle.permutation(n, random);
                for (int from = 0; from < n; from += BATCH) {
                    int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + BATCH));
                    INDArray x = clean.images().get(NDArrayIndex.indices(toLong(idx))).castTo(DataType.FLOAT);
                    INDArray gx = g.apply(x);
                    INDArray diff = model.features(gx).castTo(DataType.FLOAT).subi(model.features(x).castTo(DataType.FLOAT));
                    // d/dz_g of [-mean(((1-m)(z_g - z))^2) + 0.01 mean((m(z_g - z))^2)]
                    INDArray dFeatures = diff.mulRowVector(move.add(keep)).divi(diff.length());
                    INDArray dLogits = null;
                    if (target >= 0) {
                        INDArray p = Transforms.softmax(model.logits(gx).castTo(DataType.FLOAT), false);
                        p.getColumn(target).subi(1);
                        dLogits = p.divi(idx.length);
                    }
                    INDArray upstream = model.inputGradient(gx, dLogits, dFeatures);
                    g.step(x, upstream);
                    progress.step(1);
                }
            }
        }
    }

    static int mostPredicted(Model model, TriggerGenerator g, LabeledImages clean) {
        int[] counts = new int[clean.numClasses()];
        for (int c : model.predict(g.apply(clean.images()))) {
            counts[c]++;
        }
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[best]) {
                best = c;
            }
        }
        return best;
    }

    private static double share(int[] predictions, int label) {
        long hits = java.util.Arrays.stream(predictions).filter(c -> c == label).count();
        return predictions.length == 0 ? 0 : (double) hits / predictions.length;
    }

    static long[] toLong(int[] idx) {
        long[] out = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
