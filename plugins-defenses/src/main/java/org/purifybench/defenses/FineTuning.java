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
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/**
 * Vanilla fine-tuning on the defender's clean tuning set. Defaults follow the authors' code
 * (stable_backdoor_purification, fine_tune/ft.py, README): SGD lr 0.01, momentum 0.9, no weight
 * decay, cosine schedule, 10 epochs, batch 128, random crop + horizontal flip on the tuning data.
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "ft", version = "1.1.0",
        description = "Vanilla fine-tuning on the clean tuning set",
        paper = "Liu et al., Fine-Pruning, RAID 2018 (fine-tuning baseline)",
        needs = {Need.CLEAN_TUNING_DATA},
        params = {
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "10", min = 0, description = "training epochs", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "training batch size", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "learning rate", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "0", min = 0, description = "weight decay", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "cosine", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "sgd", choices = {"sgd", "adam"}, description = "optimizer", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "stable_backdoor_purification fine_tune/ft.py")
        })
public final class FineTuning implements Defense {
    /** fine_tune/ft.py: SGD(lr 0.01, momentum 0.9), no weight decay, CosineAnnealingLR, batch 128, train transform. */
    static final TrainConfig DEFAULTS = new TrainConfig(10, 128, 0.01, 0.9, false, 0, "cosine", TrainConfig.SGD, TrainConfig.CROP_FLIP);

    /**
     * A defense's training settings: {@code defaults}, each overridable by a parameter (epochs,
     * batch-size, lr, momentum, weight-decay, schedule, optimizer, augmentation).
     */
    static TrainConfig config(Params p, TrainConfig defaults) {
        return new TrainConfig(p.getInt("epochs", defaults.epochs()), p.getInt("batch-size", defaults.batchSize()),
                p.getDouble("lr", defaults.learningRate()), p.getDouble("momentum", defaults.momentum()), defaults.nesterov(),
                p.getDouble("weight-decay", defaults.weightDecay()), p.getString("schedule", defaults.schedule()),
                p.getString("optimizer", defaults.optimizer()), p.getString("augmentation", defaults.augmentation()));
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        ctx.host().trainer().train(model, ctx.requireTuningData(), config(ctx.params(), DEFAULTS), StepHook.PLAIN, ctx.seed(), "defense ft");
        return model;
    }
}
