package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;

/**
 * FT-SAM (Zhu et al., ICCV 2023): fine-tuning on the clean tuning set with sharpness-aware
 * minimisation, which pushes the model out of the sharp region the backdoor lives in.
 * Defaults from the paper's appendix B: neighbourhood size rho 1 (CIFAR-10), lr 0.01, 20 epochs,
 * adaptive SAM as in BackdoorBench's implementation.
 */
public final class FtSam implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "ft-sam", "1.0.0",
                "Fine-tuning with (adaptive) sharpness-aware minimisation on the clean tuning set (rho 1, lr 0.01, 20 epochs)",
                "Zhu et al., Enhancing Fine-Tuning Based Backdoor Defense with Sharpness-Aware Minimization, ICCV 2023",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        var step = new SharpnessAwareStep(ctx.params().getDouble("rho", 1.0), ctx.params().getBoolean("adaptive", true));
        ctx.host().trainer().train(model, ctx.requireTuningData(), FineTuning.config(ctx.params(), 20, 0.01), step, ctx.seed(), "defense ft-sam");
        return model;
    }
}
