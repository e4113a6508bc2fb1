package org.purifybench.defenses;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/**
 * FT-SAM (Zhu et al., ICCV 2023): fine-tuning on the clean tuning set with sharpness-aware
 * minimisation, which pushes the model out of the sharp region the backdoor lives in. Defaults as
 * BackdoorBench (config/defense/ft-sam/cifar10.yaml, defense/ft-sam.py, the implementation the
 * paper evaluates): rho 2, adaptive SAM, label smoothing 0.1, SGD lr 0.01, momentum 0.9, weight
 * decay 5e-4, cosine, batch 256, crop + flip; 20 epochs as the paper's appendix B (BackdoorBench: 100).
 */
public final class FtSam implements Defense {
    /** BackdoorBench ft-sam cifar10.yaml: SGD lr 0.01 momentum 0.9 wd 5e-4, cosine, batch 256; train transform. */
    static final TrainConfig DEFAULTS = new TrainConfig(20, 256, 0.01, 0.9, false, 5e-4, "cosine", TrainConfig.SGD, TrainConfig.CROP_FLIP);

    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "ft-sam", "1.1.0",
                "Fine-tuning with adaptive sharpness-aware minimisation on the clean tuning set (rho 2, label smoothing 0.1, lr 0.01, 20 epochs; BackdoorBench's settings)",
                "Zhu et al., Enhancing Fine-Tuning Based Backdoor Defense with Sharpness-Aware Minimization, ICCV 2023",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        Params p = ctx.params();
        var sam = new SharpnessAwareStep(p.getDouble("rho", 2.0), p.getBoolean("adaptive", true));
        double smoothing = p.getDouble("label-smoothing", 0.1);
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("ft-sam label-smoothing must be in [0, 1), got " + smoothing);
        }
        StepHook step = new StepHook() {
            @Override
            public Map<String, INDArray> gradient(StepContext s) {
                INDArray targets = smoothed(s.labels(), model.numClasses(), smoothing);
                return sam.gradient(s.model(), () -> s.gradient(s.images(), targets));
            }
        };
        ctx.host().trainer().train(model, ctx.requireTuningData(), FineTuning.config(p, DEFAULTS), step, ctx.seed(), "defense ft-sam");
        return model;
    }

    /** BackdoorBench's smoothing (sam/util.py): 1 - s on the label, s / (classes - 1) elsewhere. */
    static INDArray smoothed(int[] labels, int classes, double s) {
        INDArray y = Nd4j.valueArrayOf(new long[] {labels.length, classes}, s / (classes - 1), DataType.FLOAT);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1 - s);
        }
        return y;
    }
}
