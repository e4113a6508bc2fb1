package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/**
 * Vanilla fine-tuning on the defender's clean tuning set. Defaults follow the authors' code
 * (stable_backdoor_purification, fine_tune/ft.py, README): SGD lr 0.01, momentum 0.9, no weight
 * decay, cosine schedule, 10 epochs, batch 128, random crop + horizontal flip on the tuning data.
 */
public final class FineTuning implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "ft", "1.1.0",
                "Vanilla fine-tuning on the clean tuning set (SGD lr 0.01, momentum 0.9, cosine, 10 epochs, batch 128, crop + flip)",
                "Liu et al., Fine-Pruning, RAID 2018 (fine-tuning baseline)", Need.CLEAN_TUNING_DATA);
    }

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
