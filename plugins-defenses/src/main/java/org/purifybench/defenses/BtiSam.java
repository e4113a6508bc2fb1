package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * The paper's ablation baseline (appendix C.5): the same clean + BTI-reversed batches as PAM, but
 * with a SAM step instead of the path-aware one, to show that PAM's gain is not plain sharpness
 * awareness. Defaults: rho 1 (adaptive, as FT-SAM), lr 0.01, 20 epochs, 20% reversed.
 */
public final class BtiSam implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "bti-sam", "1.0.0",
                "Ablation: SAM fine-tuning on clean + 20% BTI-reversed images (rho 1, lr 0.01, 20 epochs)",
                "Min et al., Uncovering, Explaining, and Mitigating the Superficial Safety of Backdoor Defense, NeurIPS 2024 (appendix C.5)",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        Params p = ctx.params();
        TriggerInversion.Result inversion = InversionMemo.get(model, ctx.requireTuningData(), p, ctx.seed(),
                () -> TriggerInversion.run(model, ctx.requireTuningData(), p, ctx.seed(), ctx.host(), null));
        var sam = new SharpnessAwareStep(p.getDouble("rho", 1.0), p.getBoolean("adaptive", true));
        ctx.host().trainer().train(model, ctx.requireTuningData(), FineTuning.config(p, 20, 0.01),
                new ReversedMixStep(inversion.generator(), p.getDouble("reversed-share", 0.2), ctx.seed(), sam), ctx.seed(), "defense bti-sam");
        return model;
    }
}
