package org.purifybench.evaluators;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.Progress;

/**
 * The Query-based Reactivation Attack (paper section 3.3): a generator learns sample-specific
 * perturbations d(x) so that the purified model on x + d(x) behaves like the retuned (RA) model
 * on x, while the oracle EP model (a stand-in for a clean model) keeps classifying x + d(x)
 * correctly - so the perturbation reactivates the backdoor instead of being a generic
 * adversarial example. Shared by {@code qra} and {@code qra-transfer}: the trained perturbations
 * of a defense are computed once per cell.
 */
final class QueryReactivation {
    private static final int EVAL_CHUNK = 1000;

    private QueryReactivation() {
    }

    /**
     * Every setting a QRA result depends on; its {@code toString} keys the cell memo. Generator
     * optimizer as the authors' code ({@code fine_tune/qra.py} of AISafety-HKUST/stable_backdoor_purification):
     * SGD lr 0.1 momentum 0.9 ({@code optim.SGD(..., lr=1e-1, momentum=0.9)}), batch 128
     * ({@code --batch_size} default), 50 epochs ({@code --epochs} default; paper appendix B.2).
     */
    record Settings(double eps, int hidden, int epochs, int batchSize, double lr, double momentum, double alpha, int cleanSamples,
                    int poisonedSamples, int testSamples, String reference, Map<String, Object> ra) {

        static Settings of(Params p, String attackId) {
            Map<String, Object> ra = new LinkedHashMap<>();
            // RA settings as the ra evaluator names them, prefixed "ra-"; poison counts keep their names.
            new java.util.TreeMap<>(p.asMap()).forEach((k, v) -> {
                if (k.startsWith("ra-")) {
                    ra.put(k.substring(3), v);
                } else if (k.startsWith("poison-count")) {
                    ra.put(k, v);
                }
            });
            Settings s = new Settings(p.getDouble("eps", 16 / 255.0), p.getInt("hidden", 1024), p.getInt("epochs", 50),
                    p.getInt("batch-size", 128), p.getDouble("lr", 0.1), p.getDouble("momentum", 0.9),
                    p.getDouble("alpha-" + attackId, p.getDouble("alpha", 0.2)),
                    p.getInt("clean-samples", 500), p.getInt("poisoned-samples", 500), p.getInt("test-samples", 0),
                    p.getString("reference", "ep"), ra);
            if (s.epochs < 1 || s.batchSize < 1 || s.cleanSamples < 0 || s.poisonedSamples < 1 || s.testSamples < 0
                    || !(s.lr > 0) || !(s.momentum >= 0 && s.momentum < 1) || s.alpha < 0) {
                throw new IllegalArgumentException("qra: epochs, batch-size and poisoned-samples must be >= 1, clean-samples and "
                        + "test-samples >= 0, lr > 0, momentum in [0, 1), alpha >= 0; got " + s);
            }
            return s;
        }

        Params raParams() {
            return new Params(ra);
        }
    }

    /** Reference models are not purifications: the backdoored model needs no reactivation, the clean model is the control. */
    private static final List<String> REFERENCES = List.of("none", "clean");

    /**
     * The defenses QRA trains against: the {@code defenses} parameter (comma-separated), else every
     * defense of the cell but the references none and clean.
     */
    static List<String> attackedDefenses(EvaluationContext ctx) {
        String listed = ctx.params().getString("defenses", "");
        if (listed.isBlank()) {
            List<String> all = new ArrayList<>(ctx.defenses());
            all.removeAll(REFERENCES);
            return all;
        }
        List<String> chosen = Arrays.stream(listed.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        for (String d : chosen) {
            if (!ctx.defenses().contains(d)) {
                throw new IllegalArgumentException("qra: defense '" + d + "' in parameter 'defenses' is not in the matrix; defenses are "
                        + ctx.defenses());
            }
        }
        return chosen;
    }

    /** The trained attack against one defense and its perturbed test queries. */
    record Outcome(PerturbationGenerator generator, INDArray perturbedClean, INDArray perturbedPoisoned,
                   double raPoisonedAsr, double[] lossPerEpoch) {
    }

    /** The QRA outcome against defense {@code defense} of the context's cell, computed once per cell and settings. */
    static Outcome against(EvaluationContext ctx, String defense, Settings s) {
        return ctx.cellMemo("qra|" + defense + "|" + s, () -> {
            Model purified = ctx.purifiedModelOf(defense).orElseThrow(() -> new IllegalArgumentException(
                    "qra: no defense '" + defense + "' in this cell; defenses are " + ctx.defenses()));
            Model reference = referenceModel(ctx, s);
            return train(ctx, purified, reference, defense, s);
        });
    }

    static Model referenceModel(EvaluationContext ctx, Settings s) {
        return ctx.purifiedModelOf(s.reference()).orElseThrow(() -> new IllegalArgumentException(
                "qra regularises with the oracle defense '" + s.reference() + "' (paper eq. 2) but the matrix does not run it; "
                        + "add {id: " + s.reference() + "} to the defenses or set the qra parameter 'reference' to a defense of "
                        + ctx.defenses()));
    }

    private static Outcome train(EvaluationContext ctx, Model purified, Model reference, String defense, Settings s) {
        Model ra = RetuningAttack.retunedPurified(ctx, defense, purified, s.raParams());
        LabeledImages queries = attackSet(ctx.retuningPool(), ctx.backdoor(), s.cleanSamples(), s.poisonedSamples(), ctx.seed());
        INDArray raLogits = ra.logits(queries.images());
        long[] shape = queries.images().shape();
        PerturbationGenerator g = new PerturbationGenerator(new long[] {shape[1], shape[2], shape[3]}, s.hidden(), s.eps(), ctx.seed());
        Random order = new Random(ctx.seed());
        int n = queries.size();
        int batches = (n + s.batchSize() - 1) / s.batchSize();
        double[] lossPerEpoch = new double[s.epochs()];
        try (Progress progress = ctx.host().progress("QRA generator vs " + defense, (long) s.epochs() * batches)) {
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                int[] perm = Indices.permutation(n, order);
                double loss = 0;
                for (int b = 0; b < batches; b++) {
                    int[] idx = Arrays.copyOfRange(perm, b * s.batchSize(), Math.min(n, (b + 1) * s.batchSize()));
                    loss += step(g, purified, reference, queries.subset(idx), raLogits.getRows(idx), s) * idx.length;
                    progress.step(1);
                }
                lossPerEpoch[epoch] = loss / n;
            }
        }
        ctx.host().log(String.format("QRA vs %s: loss %.4f -> %.4f over %d epochs", defense, lossPerEpoch[0],
                lossPerEpoch[s.epochs() - 1], s.epochs()));
        LabeledImages test = testQueries(ctx.testData(), ctx.backdoor().targetLabel(), s.testSamples());
        INDArray poisoned = ctx.backdoor().apply(test.images(), Phase.TEST);
        double raAsr = targetRate(ctx.host().trainer(), ra, poisoned, ctx.backdoor().targetLabel());
        return new Outcome(g, perturbAll(g, test.images()), perturbAll(g, poisoned), raAsr, lossPerEpoch);
    }

    /** One generator step; returns the batch loss before the step. */
    static double step(PerturbationGenerator g, Model purified, Model reference, LabeledImages batch, INDArray raLogits,
                       Settings s) {
        INDArray x = batch.images().castTo(DataType.FLOAT);
        INDArray raw = x.add(g.perturbation(x));
        INDArray perturbed = PerturbationGenerator.clip01(raw);
        QraObjective o = QraObjective.of(raLogits, purified.logits(perturbed), reference.logits(perturbed), batch.labels(), s.alpha());
        INDArray grad = purified.inputGradient(perturbed, o.purifiedLogitGradient(), null);
        if (s.alpha() > 0) {
            grad.addi(reference.inputGradient(perturbed, o.referenceLogitGradient(), null));
        }
        // The clip passes gradient only where x + d stayed inside [0, 1].
        INDArray inside = raw.gt(0.0).castTo(DataType.FLOAT).muli(raw.lt(1.0).castTo(DataType.FLOAT));
        g.step(x, grad.castTo(DataType.FLOAT).muli(inside), s.lr(), s.momentum());
        return o.loss();
    }

    /**
     * QRA's query set D_c from the attacker's pool: {@code clean} non-target images as they are and
     * {@code poisoned} non-target images with the test-time trigger, all under their true labels.
     * When the pool has fewer non-target images than asked, the poisoned ones reuse images the
     * clean part also holds (as untriggered copies).
     */
    static LabeledImages attackSet(LabeledImages pool, Backdoor backdoor, int clean, int poisoned, long seed) {
        int[] nonTarget = pool.indicesNotLabeled(backdoor.targetLabel());
        if (nonTarget.length == 0) {
            throw new IllegalArgumentException("qra: the retuning pool has no image outside the target class");
        }
        int[] order = Indices.shuffled(nonTarget, new Random(seed));
        int[] cleanIdx = new int[clean];
        int[] poisonedIdx = new int[poisoned];
        for (int i = 0; i < clean; i++) {
            cleanIdx[i] = order[i % order.length];
        }
        for (int i = 0; i < poisoned; i++) {
            poisonedIdx[i] = order[(clean + i) % order.length];
        }
        LabeledImages p = pool.subset(poisonedIdx);
        p = p.withImages(backdoor.apply(p.images(), Phase.TEST));
        return clean == 0 ? p : LabeledImages.concat(pool.subset(cleanIdx), p);
    }

    /** Non-target test images (the first {@code limit}, or all when 0): clean queries; the trigger makes the poisoned ones. */
    static LabeledImages testQueries(LabeledImages test, int target, int limit) {
        int[] idx = test.indicesNotLabeled(target);
        if (limit > 0 && limit < idx.length) {
            idx = Arrays.copyOf(idx, limit);
        }
        return test.subset(idx);
    }

    static INDArray perturbAll(PerturbationGenerator g, INDArray images) {
        long n = images.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long from = 0; from < n; from += EVAL_CHUNK) {
            long to = Math.min(n, from + EVAL_CHUNK);
            parts.add(g.perturb(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to))));
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /** Share of images {@code model} classifies as {@code target}. */
    static double targetRate(org.purifybench.spi.Trainer trainer, Model model, INDArray images, int target) {
        int[] pred = trainer.predict(model, images);
        return Arrays.stream(pred).filter(p -> p == target).count() / (double) pred.length;
    }
}
