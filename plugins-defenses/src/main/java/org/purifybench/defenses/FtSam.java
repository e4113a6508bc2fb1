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
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.PurifyBenchPlugin;
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
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "ft-sam", version = "1.1.0",
        description = "Fine-tuning with adaptive sharpness-aware minimisation on the clean tuning set (BackdoorBench's settings)",
        paper = "Zhu et al., Enhancing Fine-Tuning Based Backdoor Defense with Sharpness-Aware Minimization, ICCV 2023",
        needs = {Need.CLEAN_TUNING_DATA},
        params = {
            @Param(name = "rho", type = ParamType.NUMBER, defaultValue = "2.0", min = 0, description = "SAM neighbourhood size, > 0", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "adaptive", type = ParamType.BOOLEAN, defaultValue = "true", description = "adaptive SAM (rho scaled by |w|)", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "label-smoothing", type = ParamType.NUMBER, defaultValue = "0.1", min = 0, max = 1, description = "label smoothing, in [0, 1)", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "20", min = 0, description = "training epochs", source = "Min et al., NeurIPS 2024, appendix B (BackdoorBench: 100)"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "256", min = 1, description = "training batch size", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "learning rate", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "5.0E-4", min = 0, description = "weight decay", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "cosine", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "sgd", choices = {"sgd", "adam"}, description = "optimizer", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "BackdoorBench config/defense/ft-sam/cifar10.yaml")
        })
public final class FtSam implements Defense {
    /** BackdoorBench ft-sam cifar10.yaml: SGD lr 0.01 momentum 0.9 wd 5e-4, cosine, batch 256; train transform. */
    static final TrainConfig DEFAULTS = new TrainConfig(20, 256, 0.01, 0.9, false, 5e-4, "cosine", TrainConfig.SGD, TrainConfig.CROP_FLIP);

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
