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
import org.purifybench.spi.Role;
import org.purifybench.toolkit.Shuffle;

/**
 * The Query-based Reactivation Attack (paper section 3.3): a generator learns sample-specific
 * perturbations d(x) so that the purified model on x + d(x) behaves like the retuned (RA) model
 * on x, while a reference model (the oracle EP model in the paper, the real clean model in the
 * authors' code) keeps classifying x + d(x) correctly - so the perturbation reactivates the
 * backdoor instead of being a generic adversarial example. Shared by {@code qra} and
 * {@code qra-transfer}: the trained perturbations of a defense are computed once per cell.
 *
 * <p>Parameters, defaults and where each default comes from ("paper" = Min et al., NeurIPS 2024;
 * "code" = {@code fine_tune/qra.py} of the authors' AISafety-HKUST/stable_backdoor_purification):
 * <ul>
 * <li>{@code eps} 16/255: perturbation budget (paper appendix B.2; code {@code --eps} default 16/255).</li>
 * <li>{@code hidden} 1024: units of each of the generator's three hidden layers (paper appendix B.2;
 *     code: the {@code AE} class).</li>
 * <li>{@code epochs} 50 (paper appendix B.2; code {@code --epochs} default 50).</li>
 * <li>{@code batch-size} 128 (code {@code --batch_size} default 128; the paper does not state it).</li>
 * <li>{@code lr} 0.1 (paper appendix B.2; code {@code optim.SGD(..., lr=1e-1, momentum=0.9)}).</li>
 * <li>{@code momentum} 0.9: SGD heavy-ball momentum (code, same line; the paper says only "SGD").</li>
 * <li>{@code alpha} 0.2, settable per attack (paper appendix B.2: 0.2, LC 0.1;
 *     code {@code --alpha_qra} default 0.2).</li>
 * <li>{@code loss} {@code paper} (default): KL(l_RA(x) || l_P(x + d)) + alpha * CE(l_EP(x + d), y),
 *     the paper's eq. 2; {@code reference}: alpha * KL + CE(l_clean(x + d), y), what the code computes
 *     ({@code distillation(...) * args.alpha_qra + loss_clean}, {@code loss_clean} on {@code net_clean},
 *     the model trained without poison).</li>
 * <li>{@code reference}: the model of the CE term. When not set it follows {@code loss}: the
 *     oracle (the cell's defense with role {@link Role#ORACLE}, e.g. EP, which the matrix must run)
 *     for {@code paper}, {@code clean} for {@code reference}. When set it wins for either loss. The name {@code clean} always means the
 *     cell's clean model ({@link EvaluationContext#cleanModel()}, the model the {@code clean} defense
 *     returns), so it needs no {@code clean} entry in the matrix; any other name is a defense of the
 *     cell.</li>
 * <li>{@code clean-samples} 500, {@code poisoned-samples} 500 (paper appendix B.2; code
 *     {@code --clean_num_qra}, {@code --poison_num_qra}).</li>
 * <li>{@code test-samples} 0 = every non-target test image; {@code ra-samples}, {@code ra-epochs},
 *     {@code ra-batch-size}, {@code ra-lr}, {@code ra-momentum}, {@code ra-weight-decay} and (per attack)
 *     {@code poison-count}: the RA model imitated, as the {@code ra} evaluator's parameters of those names.</li>
 * </ul>
 */
final class QueryReactivation {
    private static final int EVAL_CHUNK = 1000;

    private QueryReactivation() {
    }

    /** The model name that means the cell's clean model rather than a defense of the matrix. */
    static final String CLEAN_REFERENCE = "clean";

    /** The resolved reference that means "the cell's oracle, whatever its id" (not a valid id, so no defense is named so). */
    static final String ORACLE_REFERENCE = "<oracle>";

    /**
     * Every setting a QRA result depends on; its {@code toString} keys the cell memo, so qra and
     * qra-transfer share a trained generator only when all of these are equal. {@code reference} is
     * the resolved name (the default follows {@code loss}, see the class comment).
     */
    record Settings(double eps, int hidden, int epochs, int batchSize, double lr, double momentum, double alpha,
                    QraObjective.Variant loss, int cleanSamples, int poisonedSamples, int testSamples, String reference,
                    Map<String, Object> ra) {

        static Settings of(Params p) {
            // The RA model imitated, in the ra evaluator's names; the fallbacks are RA's defaults.
            Map<String, Object> ra = new LinkedHashMap<>();
            ra.put("samples", p.getInt("ra-samples", 1000));
            ra.put("epochs", p.getInt("ra-epochs", 5));
            ra.put("batch-size", p.getInt("ra-batch-size", 64));
            ra.put("lr", p.getDouble("ra-lr", 0.01));
            ra.put("momentum", p.getDouble("ra-momentum", 0.9));
            ra.put("weight-decay", p.getDouble("ra-weight-decay", 5e-4));
            ra.put("poison-count", p.getInt("poison-count", 5));
            QraObjective.Variant loss = QraObjective.Variant.of(p.getString("loss", QraObjective.Variant.PAPER.id()));
            String reference = reference(p);
            // Defaults and their sources: class comment.
            Settings s = new Settings(p.getDouble("eps", 16 / 255.0), p.getInt("hidden", 1024), p.getInt("epochs", 50),
                    p.getInt("batch-size", 128), p.getDouble("lr", 0.1), p.getDouble("momentum", 0.9),
                    p.getDouble("alpha", 0.2), loss,
                    p.getInt("clean-samples", 500), p.getInt("poisoned-samples", 500), p.getInt("test-samples", 0),
                    reference, ra);
            if (s.epochs < 1 || s.batchSize < 1 || s.cleanSamples < 0 || s.poisonedSamples < 1 || s.testSamples < 0
                    || !(s.lr > 0) || !(s.momentum >= 0 && s.momentum < 1) || s.alpha < 0 || s.reference.isEmpty()) {
                throw new IllegalArgumentException("qra: epochs, batch-size and poisoned-samples must be >= 1, clean-samples and "
                        + "test-samples >= 0, lr > 0, momentum in [0, 1), alpha >= 0, reference not blank; got " + s);
            }
            return s;
        }

        /** The {@code reference} parameter, or when blank (its declared default) the default for the {@code loss}: {@link #ORACLE_REFERENCE} or clean. */
        static String reference(Params p) {
            QraObjective.Variant loss = QraObjective.Variant.of(p.getString("loss", QraObjective.Variant.PAPER.id()));
            String named = p.getString("reference", "").trim();
            return !named.isEmpty() ? named : loss == QraObjective.Variant.PAPER ? ORACLE_REFERENCE : CLEAN_REFERENCE;
        }

        Params raParams() {
            return new Params(ra);
        }
    }

    /**
     * The defenses QRA trains against: the {@code defenses} parameter (comma-separated), else every
     * defense of the cell but the baselines (roles): the backdoored model needs no reactivation, the
     * clean model is the control.
     */
    static List<String> attackedDefenses(EvaluationContext ctx) {
        String listed = ctx.params().getString("defenses", "");
        if (listed.isBlank()) {
            List<String> all = new ArrayList<>(ctx.defenses());
            all.removeIf(d -> ctx.roleOf(d).isBaseline());
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

    /**
     * The model of the CE term: the cell's clean model for {@code clean}, the model of the cell's
     * oracle (by role) by default, else the named defense's purified model.
     */
    static Model referenceModel(EvaluationContext ctx, Settings s) {
        if (s.reference().equals(CLEAN_REFERENCE)) {
            return ctx.cleanModel();
        }
        if (s.reference().equals(ORACLE_REFERENCE)) {
            return ctx.modelOf(Role.ORACLE).orElseThrow(() -> new IllegalArgumentException(
                    "qra regularises with the oracle (the defense with role ORACLE, e.g. ep; paper eq. 2) but the matrix runs none; "
                            + "add the oracle (e.g. {id: ep}) to the defenses, set the qra parameter 'reference' to clean or to a "
                            + "defense of " + ctx.defenses() + ", or use 'loss: reference' (the authors' code: the clean model)"));
        }
        return ctx.purifiedModelOf(s.reference()).orElseThrow(() -> new IllegalArgumentException(
                "qra regularises with the oracle defense '" + s.reference() + "' (paper eq. 2) but the matrix does not run it; "
                        + "add {id: " + s.reference() + "} to the defenses, set the qra parameter 'reference' to clean or to a "
                        + "defense of " + ctx.defenses() + ", or use 'loss: reference' (the authors' code: the clean model)"));
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
                int[] perm = Shuffle.permutation(n, order);
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
        QraObjective o = QraObjective.of(raLogits, purified.logits(perturbed), reference.logits(perturbed), batch.labels(),
                s.alpha(), s.loss());
        INDArray grad = o.klWeight() > 0 ? purified.inputGradient(perturbed, o.purifiedLogitGradient(), null)
                : Nd4j.zeros(DataType.FLOAT, perturbed.shape());
        if (o.ceWeight() > 0) {
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
        int[] order = Shuffle.shuffled(nonTarget, new Random(seed));
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
