package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * The paper's ablation baseline (appendix C.5): the same clean + BTI-reversed batches, rounds and
 * optimizer as {@link Pam} (authors' code: 3 rounds with the trigger re-inverted against the
 * current model, 30 epochs each, SGD lr 0.01 momentum 0.1, no weight decay, constant lr), but with
 * a SAM step instead of the path-aware one, to show that PAM's gain is not plain sharpness
 * awareness. SAM: rho 1, adaptive (as FT-SAM in the paper's appendix B).
 */
public final class BtiSam implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "bti-sam", "1.1.0",
                "Ablation: SAM fine-tuning on clean + 20% BTI-reversed images (rho 1, adaptive; PAM's rounds and optimizer: 3 x 30 epochs, SGD lr 0.01 momentum 0.1)",
                "Min et al., Uncovering, Explaining, and Mitigating the Superficial Safety of Backdoor Defense, NeurIPS 2024 (appendix C.5)",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        Params p = ctx.params();
        TriggerInversion.Result inversion = Pam.firstInversion(ctx);
        Pam.reportInversion(ctx, inversion);
        var sam = new SharpnessAwareStep(p.getDouble("rho", 1.0), p.getBoolean("adaptive", true));
        Pam.unlearnInRounds(ctx, model, inversion, sam, "bti-sam");
        return model;
    }
}
