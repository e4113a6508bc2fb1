package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.Seeds;

/**
 * BTI-DBF (U) (Xu et al., ICLR 2024), the unlearning variant, with the defaults of the authors'
 * code (stable_backdoor_purification, fine_tune/BTIDBF/btidbfu.py {@code unlearn}, cfg.py,
 * defense.sh): {@code rounds} 3; each round inverts the trigger against the CURRENT model
 * ({@link TriggerInversion}; round 1 against the backdoored model, shared with PAM), then unlearns
 * {@code epochs} 30 epochs with Adam lr 1e-4 (no weight decay, constant lr, batch 128, random crop +
 * flip) on batches whose 20% are replaced by G(x) under their true labels, minimising
 * CE + {@code feature-weight} (1.0) * MSE(phi(x), phi(x_mix)) ({@link FeatureMatchingStep}).
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "bti-dbf", version = "1.1.0",
        description = "Trigger inversion by decoupling benign features, then unlearning with reversed images under true labels, CE + feature matching; rounds re-invert the trigger against the current model",
        paper = "Xu et al., Towards Reliable and Efficient Backdoor Trigger Inversion via Decoupling Benign Features, ICLR 2024",
        needs = {Need.CLEAN_TUNING_DATA},
        params = {
            @Param(name = "rounds", type = ParamType.INT, defaultValue = "3", min = 1, description = "rounds, each re-inverting the trigger against the current model", source = "stable_backdoor_purification defense.sh (--nround 3)"),
            @Param(name = "reversed-share", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, max = 1, description = "share of each batch replaced by reversed images, in (0, 1]", source = "stable_backdoor_purification fine_tune/BTIDBF/btidbfu.py"),
            @Param(name = "feature-weight", type = ParamType.NUMBER, defaultValue = "1.0", min = 0, description = "weight of the feature-matching MSE", source = "stable_backdoor_purification fine_tune/BTIDBF/btidbfu.py unlearn"),
            @Param(name = "mask-epochs", type = ParamType.INT, defaultValue = "20", description = "epochs learning the benign-feature mask", source = TriggerInversion.MASK_EPOCHS_SOURCE),
            @Param(name = "generator-epochs", type = ParamType.INT, defaultValue = "5", description = "trigger-generator epochs", source = TriggerInversion.GENERATOR_EPOCHS_SOURCE),
            @Param(name = "refine-epochs", type = ParamType.INT, defaultValue = "2", description = "generator epochs toward the inferred target", source = TriggerInversion.REFINE_EPOCHS_SOURCE),
            @Param(name = "generator-lr", type = ParamType.NUMBER, defaultValue = "0.01", description = "trigger-generator learning rate", source = TriggerInversion.GENERATOR_LR_SOURCE),
            @Param(name = "norm-bound", type = ParamType.NUMBER, defaultValue = "0.02", min = 0, description = "generator norm bound (mean squared change per pixel), > 0", source = "BTI-DBF reference 0.3 on normalised CIFAR-10 inputs, about 0.02 in pixel units"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "30", min = 0, description = "training epochs", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "training batch size", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "1.0E-4", min = 0, description = "learning rate", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "0", min = 0, description = "weight decay", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "constant", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "adam", choices = {"sgd", "adam"}, description = "optimizer", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "stable_backdoor_purification fine_tune/BTIDBF (btidbfu.py, cfg.py, loader.py)")
        })
public final class BtiDbf implements Defense {
    /** Per round; btidbfu.py: Adam(lr 1e-4); loader.py: batch 128, RandomCrop(pad 4) + flip on CIFAR. */
    static final TrainConfig DEFAULTS = new TrainConfig(30, 128, 1e-4, 0, false, 0, "constant", TrainConfig.ADAM, TrainConfig.CROP_FLIP);

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        LabeledImages tuning = ctx.requireTuningData();
        Params p = ctx.params();
        double share = p.getDouble("reversed-share", 0.2);
        double featureWeight = p.getDouble("feature-weight", 1.0);
        TrainConfig config = FineTuning.config(p, DEFAULTS);
        int rounds = p.getInt("rounds", Pam.ROUNDS);
        if (rounds < 1) {
            throw new IllegalArgumentException("bti-dbf rounds must be >= 1, got " + rounds);
        }
        TriggerInversion.Result inversion = Pam.firstInversion(ctx);
        Pam.reportInversion(ctx, inversion);
        for (int round = 0; round < rounds; round++) {
            long seed = Seeds.derive(ctx.seed(), "round", round);
            if (round > 0) {
                inversion = TriggerInversion.run(model, tuning, p, seed, ctx.host(), round == 1 ? inversion.withOwnGenerator() : inversion);
            }
            ctx.host().log(String.format("bti-dbf round %d: target %d, %.1f%% of generated images classified as it",
                    round + 1, inversion.target(), 100 * inversion.targetShare()));
            var step = new FeatureMatchingStep(new ReversedMixStep(inversion.generator(), share, seed, StepRule.PLAIN), featureWeight);
            ctx.host().trainer().train(model, tuning, config, step, seed, "defense bti-dbf (round " + (round + 1) + "/" + rounds + ")");
        }
        return model;
    }
}
