package org.purifybench.evaluators;

import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Trainer;

/**
 * QRA transferability (paper Figure 3): perturbations trained against a source defense A are
 * applied to this cell's defense B, as an attacker would who does not know which defense was used.
 * One unit per target B reports {@code p-asr-from:A} and {@code c-asr-from:A} for every source A
 * (A = B included, the diagonal equals qra's own numbers). Sources are the defenses qra attacks
 * (parameter {@code defenses}); targets are all defenses of the cell. Uses the same settings as
 * qra and shares its trained generators when both run with equal parameters.
 */
public final class QraTransfer implements Evaluator {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.EVALUATOR, "qra-transfer", "1.0.0",
                "QRA transferability: P-ASR / C-ASR on this defense's model of perturbations trained against each other defense",
                "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024 (Figure 3)",
                Need.TEST_DATA, Need.RETUNING_POOL);
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        QueryReactivation.Settings s = QueryReactivation.Settings.of(ctx.params());
        QueryReactivation.referenceModel(ctx, s);
        Trainer t = ctx.host().trainer();
        int target = ctx.backdoor().targetLabel();
        Model victim = ctx.purifiedModel();
        EvaluationResult r = new EvaluationResult();
        for (String source : QueryReactivation.attackedDefenses(ctx)) {
            QueryReactivation.Outcome o = QueryReactivation.against(ctx, source, s);
            r.metric("p-asr-from:" + source, QueryReactivation.targetRate(t, victim, o.perturbedPoisoned(), target));
            r.metric("c-asr-from:" + source, QueryReactivation.targetRate(t, victim, o.perturbedClean(), target));
        }
        return r;
    }
}
