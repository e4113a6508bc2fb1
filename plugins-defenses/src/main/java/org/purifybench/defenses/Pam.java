package org.purifybench.defenses;

import java.util.List;
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
 * Path-Aware Minimization (Min et al., NeurIPS 2024, Algorithm 1) on clean + BTI-reversed batches
 * (80/20). {@code rho} is a number, or {@code auto} (default): the largest rho of {@code rho-grid}
 * whose purified model keeps validation C-Acc within {@code cacc-budget} of the backdoored
 * model's - the paper's rule (a C-Acc threshold, as FST), applied on the validation split only.
 * The grid is tried from the largest rho down and stops at the first that fits.
 *
 * <p>Defaults follow the authors' code (stable_backdoor_purification, fine_tune/BTIDBF/btidbfu.py
 * {@code unlearn_pam}, cfg.py, defense.sh): {@code rounds} 3 (defense.sh nround), each round
 * inverts the trigger against the CURRENT model (benign-feature mask re-learned, generator
 * continued, target kept from round 1) and then unlearns {@code epochs} 30 epochs (cfg.py ul_round)
 * with SGD lr 0.01, momentum 0.1, no weight decay, constant lr (btidbfu.py), batch 128, random crop +
 * flip on the tuning data (BTIDBF/loader.py); W0 is the backdoored model throughout. rho 0 is the
 * ablation without the path step (BTI-reversed unlearning with PAM's optimizer).
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "pam", version = "1.1.0",
        description = "Path-Aware Minimization: gradient at W + rho (W0 - W)/||W0 - W|| on clean + BTI-reversed data; rho auto-selected on validation C-Acc; rounds re-invert the trigger against the current model",
        paper = "Min et al., Uncovering, Explaining, and Mitigating the Superficial Safety of Backdoor Defense, NeurIPS 2024",
        needs = {Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA},
        params = {
            @Param(name = "rho", type = ParamType.NUMBER, defaultValue = "auto", min = 0, choices = {"auto"}, perAttack = true, description = "path step size, or auto: the largest of rho-grid within cacc-budget on validation data (per attack: a map from attack id, as the paper fixes 0.9 for BadNet and LC, 0.5 for Blended and SSBA)", source = "Min et al., NeurIPS 2024 (PAM), Algorithm 1; fixed values: section 4, Post-Purification Robustness of PAM"),
            @Param(name = "rho-grid", type = ParamType.NUMBER_LIST, defaultValue = "0.9,0.7,0.5,0.3,0.1", min = 0, description = "rhos auto tries, largest first", source = LargestWithinBudget.RULE_SOURCE),
            @Param(name = "cacc-budget", type = ParamType.NUMBER, defaultValue = "0.02", description = "largest validation C-Acc drop from the backdoored model accepted by auto", source = LargestWithinBudget.RULE_SOURCE),
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
public final class Pam implements Defense {
    static final String DEFAULT_GRID = "0.9,0.7,0.5,0.3,0.1";
    /** Per round; btidbfu.py: SGD(lr 0.01, momentum 0.1), no weight decay or schedule; batch 128; loader.py transforms. */
    static final TrainConfig DEFAULTS = new TrainConfig(30, 128, 0.01, 0.1, false, 0, "constant", TrainConfig.SGD, TrainConfig.CROP_FLIP);
    /** defense.sh: --nround 3. */
    static final int ROUNDS = 3;

    @Override
    public Model purify(DefenseContext ctx) {
        Model backdoored = ctx.backdooredModel();
        TriggerInversion.Result inversion = firstInversion(ctx);
        ctx.host().log(String.format("pam: reversed target %d (%.1f%% of generated images)", inversion.target(), 100 * inversion.targetShare()));
        reportInversion(ctx, inversion);
        return LargestWithinBudget.choose(ctx, "pam", "rho", DEFAULT_GRID, rho -> train(ctx, backdoored, inversion, rho));
    }

    /** The inferred target and the share of generated images classified as it, for the run's diagnostics. */
    static void reportInversion(DefenseContext ctx, TriggerInversion.Result inversion) {
        ctx.diagnostic("inverted-target", inversion.target());
        ctx.diagnostic("inverted-target-share", inversion.targetShare());
    }

    /** Round 1's inversion against the backdoored model, shared with BTI-SAM and other rho values. */
    static TriggerInversion.Result firstInversion(DefenseContext ctx) {
        Model backdoored = ctx.backdooredModel();
        LabeledImages tuning = ctx.requireTuningData();
        Params p = ctx.params();
        return InversionMemo.get(ctx, backdoored, tuning, p, ctx.seed(),
                () -> TriggerInversion.run(backdoored, tuning, p, ctx.seed(), ctx.host(), null));
    }

    /**
     * The reference's rounds: unlearn with {@code rule} on clean + reversed batches, then (before each
     * later round) re-invert the trigger against the model as it now is. Trains {@code model} in place.
     */
    static void unlearnInRounds(DefenseContext ctx, Model model, TriggerInversion.Result first, StepRule rule, String name) {
        Params p = ctx.params();
        LabeledImages tuning = ctx.requireTuningData();
        int rounds = p.getInt("rounds", ROUNDS);
        if (rounds < 1) {
            throw new IllegalArgumentException(name + " rounds must be >= 1, got " + rounds);
        }
        TrainConfig config = FineTuning.config(p, DEFAULTS);
        double share = p.getDouble("reversed-share", 0.2);
        TriggerInversion.Result inversion = first;
        for (int round = 0; round < rounds; round++) {
            long seed = Seeds.derive(ctx.seed(), "round", round);
            if (round > 0) {
                inversion = TriggerInversion.run(model, tuning, p, seed, ctx.host(), round == 1 ? inversion.withOwnGenerator() : inversion);
                ctx.host().log(String.format("%s round %d: re-inverted against the current model, %.1f%% of generated images classified as target %d",
                        name, round + 1, 100 * inversion.targetShare(), inversion.target()));
            }
            ctx.host().trainer().train(model, tuning, config, new ReversedMixStep(inversion.generator(), share, seed, rule), seed,
                    String.format("defense %s (round %d/%d)", name, round + 1, rounds));
        }
    }

    private static Model train(DefenseContext ctx, Model backdoored, TriggerInversion.Result inversion, double rho) {
        Model model = backdoored.copy();
        unlearnInRounds(ctx, model, inversion, new PathAwareStep(backdoored, rho), String.format("pam rho %.2f", rho));
        return model;
    }

    /** The grid in descending order. */
    static List<Double> grid(String text) {
        return LargestWithinBudget.grid("pam", "rho", text);
    }
}
