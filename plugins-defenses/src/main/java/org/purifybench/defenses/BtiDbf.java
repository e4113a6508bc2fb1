package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
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
public final class BtiDbf implements Defense {
    /** Per round; btidbfu.py: Adam(lr 1e-4); loader.py: batch 128, RandomCrop(pad 4) + flip on CIFAR. */
    static final TrainConfig DEFAULTS = new TrainConfig(30, 128, 1e-4, 0, false, 0, "constant", TrainConfig.ADAM, TrainConfig.CROP_FLIP);

    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "bti-dbf", "1.1.0",
                "Trigger inversion by decoupling benign features, then unlearning with 20% reversed images under true labels, CE + feature matching, Adam lr 1e-4; 3 rounds (trigger re-inverted against the current model) x 30 epochs",
                "Xu et al., Towards Reliable and Efficient Backdoor Trigger Inversion via Decoupling Benign Features, ICLR 2024",
                Need.CLEAN_TUNING_DATA);
    }

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
