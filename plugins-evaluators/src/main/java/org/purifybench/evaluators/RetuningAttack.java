package org.purifybench.evaluators;

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
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

/**
 * The Retuning Attack (paper section 3.2): fine-tune the purified model for a few epochs on ~1000
 * training samples of which a handful carry the trigger and the target label. A model whose
 * purification was only superficial regains the backdoor (high P-ASR); a clean model does not,
 * so the same RA on the clean model is always run as the control.
 */
public final class RetuningAttack implements Evaluator {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.EVALUATOR, "ra", "1.0.0",
                "Retuning Attack: O-ASR before, P-ASR / P-C-Acc after 5 epochs on 1000 samples with a few poisoned; clean-model control",
                "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024",
                Need.TEST_DATA, Need.RETUNING_POOL);
    }

    /** Poisoned count: {@code poison-count}, set per attack (the host gives this cell's attack's value), else 5 (paper's BadNet). */
    static int poisonCount(Params p) {
        return p.getInt("poison-count", 5);
    }

    /** The RA set: {@code size} pool samples, {@code poisoned} of them (non-target) triggered and relabelled. */
    static LabeledImages retuningSet(LabeledImages pool, Backdoor backdoor, int size, int poisoned, long seed) {
        if (size > pool.size()) {
            throw new IllegalArgumentException("RA wants " + size + " samples, the retuning pool has " + pool.size());
        }
        int[] chosen = java.util.Arrays.copyOf(Indices.permutation(pool.size(), new Random(seed)), size);
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
