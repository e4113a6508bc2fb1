package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * BTI-DBF (U) (Xu et al., ICLR 2024), the unlearning variant: per round, invert the trigger on the
 * clean tuning set ({@link TriggerInversion}), then fine-tune with a share of each batch replaced
 * by generated images under their true labels. Defaults: 2 rounds of 5 unlearning epochs, SGD
 * lr 0.01, 20% of each batch reversed (the reference code uses 5 rounds, 10% and Adam 1e-4 with a
 * feature-matching term; our trainer applies cross-entropy only).
 */
public final class BtiDbf implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "bti-dbf", "1.0.0",
                "Trigger inversion by decoupling benign features, then unlearning with 20% reversed images under true labels (2 rounds x 5 epochs)",
                "Xu et al., Towards Reliable and Efficient Backdoor Trigger Inversion via Decoupling Benign Features, ICLR 2024",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        LabeledImages tuning = ctx.requireTuningData();
        Params p = ctx.params();
        double share = p.getDouble("reversed-share", 0.2);
        TriggerInversion.Result inversion = null;
        int rounds = p.getInt("rounds", 2);
        for (int round = 0; round < rounds; round++) {
            long seed = ctx.seed() + round;
            inversion = TriggerInversion.run(model, tuning, p, seed, ctx.host(), inversion);
            ctx.host().log(String.format("bti-dbf round %d: target %d, %.1f%% of generated images classified as it",
                    round + 1, inversion.target(), 100 * inversion.targetShare()));
            ctx.host().trainer().train(model, tuning, FineTuning.config(p, 5, 0.01),
                    new ReversedMixStep(inversion.generator(), share, seed, StepRule.PLAIN), seed, "defense bti-dbf (round " + (round + 1) + ")");
        }
        return model;
    }
}
