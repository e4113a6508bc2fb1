package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;

/**
 * The paper's ablation baseline (appendix C.5): the same clean + BTI-reversed batches, rounds and
 * optimizer as {@link Pam} (authors' code: 3 rounds with the trigger re-inverted against the
 * current model, 30 epochs each, SGD lr 0.01 momentum 0.1, no weight decay, constant lr), but with
 * a SAM step instead of the path-aware one, to show that PAM's gain is not plain sharpness
 * awareness. SAM: rho 1, adaptive (as FT-SAM in the paper's appendix B).
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "bti-sam", version = "1.1.0",
        description = "Ablation: SAM fine-tuning on clean + BTI-reversed images with PAM's rounds and optimizer",
        paper = "Min et al., Uncovering, Explaining, and Mitigating the Superficial Safety of Backdoor Defense, NeurIPS 2024 (appendix C.5)",
        needs = {Need.CLEAN_TUNING_DATA},
        params = {
            @Param(name = "rho", type = ParamType.NUMBER, defaultValue = "1.0", min = 0, description = "SAM neighbourhood size, > 0", source = "Min et al., NeurIPS 2024 (PAM), appendix B (FT-SAM settings)"),
            @Param(name = "adaptive", type = ParamType.BOOLEAN, defaultValue = "true", description = "adaptive SAM (rho scaled by |w|)", source = "Min et al., NeurIPS 2024 (PAM), appendix B (FT-SAM settings)"),
            @Param(name = "rounds", type = ParamType.INT, defaultValue = "3", min = 1, description = "rounds, each re-inverting the trigger against the current model", source = "stable_backdoor_purification defense.sh (--nround 3)"),
            @Param(name = "reversed-share", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, max = 1, description = "share of each batch replaced by reversed images, in (0, 1]", source = "stable_backdoor_purification fine_tune/BTIDBF/btidbfu.py"),
            @Param(name = "mask-epochs", type = ParamType.INT, defaultValue = "20", description = "epochs learning the benign-feature mask", source = TriggerInversion.MASK_EPOCHS_SOURCE),
            @Param(name = "generator-epochs", type = ParamType.INT, defaultValue = "5", description = "trigger-generator epochs", source = TriggerInversion.GENERATOR_EPOCHS_SOURCE),
            @Param(name = "refine-epochs", type = ParamType.INT, defaultValue = "2", description = "generator epochs toward the inferred target", source = TriggerInversion.REFINE_EPOCHS_SOURCE),
            @Param(name = "generator-lr", type = ParamType.NUMBER, defaultValue = "0.01", description = "trigger-generator learning rate", source = TriggerInversion.GENERATOR_LR_SOURCE),
            @Param(name = "norm-bound", type = ParamType.NUMBER, defaultValue = "0.02", min = 0, description = "generator norm bound (mean squared change per pixel), > 0", source = "BTI-DBF reference 0.3 on normalised CIFAR-10 inputs, about 0.02 in pixel units"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "30", min = 0, description = "training epochs", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "training batch size", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "learning rate", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.1", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "0", min = 0, description = "weight decay", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "constant", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "sgd", choices = {"sgd", "adam"}, description = "optimizer", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py unlearn_pam, cfg.py, loader.py)")
        })
public final class BtiSam implements Defense {
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
