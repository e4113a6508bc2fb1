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

/** Vanilla fine-tuning on the defender's clean tuning set. */
public final class FineTuning implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "ft", "1.0.0",
                "Vanilla fine-tuning on the clean tuning set (SGD, lr 0.01, 10 epochs)",
                "Liu et al., Fine-Pruning, RAID 2018 (fine-tuning baseline)", Need.CLEAN_TUNING_DATA);
    }

    static TrainConfig config(Params p, int epochs, double lr) {
        return new TrainConfig(p.getInt("epochs", epochs), p.getInt("batch-size", 64), p.getDouble("lr", lr),
                p.getDouble("momentum", 0.9), false, p.getDouble("weight-decay", 5e-4), p.getString("schedule", "cosine"));
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        ctx.host().trainer().train(model, ctx.requireTuningData(), config(ctx.params(), 10, 0.01), StepHook.PLAIN, ctx.seed(), "defense ft");
        return model;
    }
}
