package org.purifybench.evaluators;

import java.util.List;
import java.util.Set;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.BackdoorMetrics;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;
import org.purifybench.toolkit.Shuffle;

/**
 * The Retuning Attack (paper section 3.2): fine-tune the purified model for a few epochs on ~1000
 * training samples of which a handful carry the trigger and the target label. A model whose
 * purification was only superficial regains the backdoor (high P-ASR); a clean model does not,
 * so the same RA on the clean model is always run as the control.
 */
@PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "ra", version = "1.0.0",
        description = "Retuning Attack: O-ASR before, P-ASR / P-C-Acc after fine-tuning on a few samples with some poisoned; clean-model control",
        paper = "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024",
        needs = {Need.TEST_DATA, Need.RETUNING_POOL},
        metrics = {"o-asr", "p-asr", "p-c-acc", "control-p-asr", "control-p-c-acc"},
        params = {
            @Param(name = "samples", type = ParamType.INT, defaultValue = "1000", min = 1, description = "retuning samples drawn from the pool", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "poison-count", type = ParamType.INT, defaultValue = "5", min = 0, perAttack = true, description = "poisoned samples among the retuning samples (per attack: a map from attack id)", source = "Min et al., NeurIPS 2024, section 3.2 (BadNet: 5)"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "5", min = 0, description = "retuning epochs", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "retuning SGD learning rate", source = "Min et al., NeurIPS 2024, section 3.2"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "64", min = 1, description = "retuning batch size", source = RetuningAttack.BATCH_SIZE_SOURCE),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "retuning SGD momentum, in [0, 1)", source = RetuningAttack.MOMENTUM_SOURCE),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "5.0E-4", min = 0, description = "retuning weight decay", source = RetuningAttack.WEIGHT_DECAY_SOURCE)
        })
public final class RetuningAttack implements Evaluator {
    // Sources of the retuning optimizer's settings, shared with QRA's reference RA; batch 64 and weight decay
    // 5e-4 differ from the authors' code (a measured, documented choice; docs/methods.md, RA).
    static final String BATCH_SIZE_SOURCE = "this platform's default (the paper gives none; the reference, stable_backdoor_purification fine_tune/ft_poison.py, uses 128 - docs/methods.md, RA, and docs/results/table3-four-attacks.md measure both)";
    static final String MOMENTUM_SOURCE = "stable_backdoor_purification fine_tune/ft_poison.py (SGD momentum 0.9)";
    static final String WEIGHT_DECAY_SOURCE = "this platform's default (the paper gives none; the reference, fine_tune/ft_poison.py, uses none - docs/methods.md, RA, and docs/results/table3-four-attacks.md measure both)";

    /** Poisoned count: {@code poison-count}, set per attack (the host gives this cell's attack's value), else 5 (paper's BadNet). */
    static int poisonCount(Params p) {
        return p.getInt("poison-count", 5);
    }

    /** The RA set: {@code size} pool samples, {@code poisoned} of them (non-target) triggered and relabelled. */
    static LabeledImages retuningSet(LabeledImages pool, Backdoor backdoor, int size, int poisoned, long seed) {
        if (size > pool.size()) {
            throw new IllegalArgumentException("RA wants " + size + " samples, the retuning pool has " + pool.size());
        }
        int[] chosen = java.util.Arrays.copyOf(Shuffle.permutation(pool.size(), new Random(seed)), size);
        LabeledImages set = pool.subset(chosen);
        int[] labels = set.labels();
        INDArray images = set.images().dup();
        int done = 0;
        for (int i = 0; i < labels.length && done < poisoned; i++) {
            if (labels[i] == backdoor.targetLabel()) {
                continue;
            }
            INDArray row = images.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            // The attacker poisons as in training (Phase.TRAIN); success is measured with the test trigger.
            row.assign(backdoor.apply(row, Phase.TRAIN));
            labels[i] = backdoor.targetLabel();
            done++;
        }
        if (done < poisoned) {
            throw new IllegalArgumentException("RA set has only " + done + " non-target samples to poison");
        }
        return new LabeledImages(images, labels, pool.numClasses());
    }

    static TrainConfig config(Params p) {
        return new TrainConfig(p.getInt("epochs", 5), p.getInt("batch-size", 64), p.getDouble("lr", 0.01),
                p.getDouble("momentum", 0.9), false, p.getDouble("weight-decay", 5e-4), "constant");
    }

    /**
     * {@code defense}'s purified model after RA with settings {@code p}: trained once per cell,
     * defense and settings and shared through the cell memo, so ra and qra (which imitates this
     * model) do not retune the same model twice. Callers only read the returned model.
     */
    static Model retunedPurified(EvaluationContext ctx, String defense, Model purified, Params p) {
        int samples = p.getInt("samples", 1000);
        int poisoned = poisonCount(p);
        TrainConfig config = config(p);
        return ctx.cellMemo("ra-model|" + defense + "|" + samples + "|" + poisoned + "|" + config,
                () -> retunedCopy(ctx, purified, retuningSet(ctx.retuningPool(), ctx.backdoor(), samples, poisoned, ctx.seed()),
                        config, "RA on " + defense));
    }

    private static Model retunedCopy(EvaluationContext ctx, Model model, LabeledImages set, TrainConfig config, String phase) {
        Model copy = model.copy();
        ctx.host().trainer().train(copy, set, config, StepHook.PLAIN, ctx.seed(), phase);
        return copy;
    }

    /** {P-ASR, P-C-Acc} of {@code retuned}. */
    private static double[] metrics(EvaluationContext ctx, Model retuned) {
        Trainer t = ctx.host().trainer();
        return new double[] {
            BackdoorMetrics.attackSuccessRate(t, retuned, ctx.backdoor(), ctx.testData()),
            BackdoorMetrics.cleanAccuracy(t, retuned, ctx.testData())
        };
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        Params p = ctx.params();
        Model purified = ctx.purifiedModel();
        double oAsr = BackdoorMetrics.attackSuccessRate(ctx.host().trainer(), purified, ctx.backdoor(), ctx.testData());
        double[] after = metrics(ctx, retunedPurified(ctx, ctx.defenseName(), purified, p));
        double[] control = ctx.memo("ra-control", () -> metrics(ctx, retunedCopy(ctx, ctx.cleanModel(),
                retuningSet(ctx.retuningPool(), ctx.backdoor(), p.getInt("samples", 1000), poisonCount(p), ctx.seed()),
                config(p), "RA control (clean model)")));
        return new EvaluationResult()
                .metric("o-asr", oAsr)
                .metric("p-asr", after[0])
                .metric("p-c-acc", after[1])
                .metric("control-p-asr", control[0])
                .metric("control-p-c-acc", control[1]);
    }
}
