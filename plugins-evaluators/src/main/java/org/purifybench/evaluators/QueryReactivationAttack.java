package org.purifybench.evaluators;

import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Trainer;

/**
 * QRA against this cell's defense: C-ASR and P-ASR (perturbed clean / perturbed triggered
 * non-target test images classified as the target) on the purified model, and on the clean model
 * with the very same perturbed images. A real reactivation raises P-ASR on the purified model
 * only; if the clean model falls for it too, the perturbation is a generic adversarial example.
 * By default every defense but the references none and clean is attacked (the clean model is
 * already each attack's control). Parameters, their defaults and the paper section or reference
 * code each default comes from: {@link QueryReactivation}.
 */
public final class QueryReactivationAttack implements Evaluator {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.EVALUATOR, "qra", "1.0.0",
                "Query-based Reactivation Attack: C-ASR / P-ASR of generator-perturbed test images on the purified model and on the clean model (control); loss: paper (eq. 2, default) needs the ep defense in the matrix, loss: reference (the authors' code) uses the clean model",
                "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024 (section 3.3)",
                Need.TEST_DATA, Need.RETUNING_POOL);
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        QueryReactivation.Settings s = QueryReactivation.Settings.of(ctx.params());
        QueryReactivation.referenceModel(ctx, s); // fail before minutes of training when EP is missing
        if (!QueryReactivation.attackedDefenses(ctx).contains(ctx.defenseName())) {
            ctx.host().log("qra: not attacking " + ctx.defenseName() + " (a reference model, or not in the 'defenses' parameter)");
            return new EvaluationResult();
        }
        QueryReactivation.Outcome o = QueryReactivation.against(ctx, ctx.defenseName(), s);
        Trainer t = ctx.host().trainer();
        int target = ctx.backdoor().targetLabel();
        var purified = ctx.purifiedModel();
        var clean = ctx.cleanModel();
        return new EvaluationResult()
                .metric("c-asr", QueryReactivation.targetRate(t, purified, o.perturbedClean(), target))
                .metric("p-asr", QueryReactivation.targetRate(t, purified, o.perturbedPoisoned(), target))
                .metric("clean-c-asr", QueryReactivation.targetRate(t, clean, o.perturbedClean(), target))
                .metric("clean-p-asr", QueryReactivation.targetRate(t, clean, o.perturbedPoisoned(), target))
                .metric("ra-p-asr", o.raPoisonedAsr())
                .curve("generator-loss", epochs(o.lossPerEpoch().length), o.lossPerEpoch());
    }

    private static double[] epochs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }
}
