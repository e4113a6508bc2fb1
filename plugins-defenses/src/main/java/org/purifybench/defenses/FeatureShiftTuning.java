package org.purifybench.defenses;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.toolkit.Seeds;

/**
 * FST (Min et al., NeurIPS 2023): re-initialise the linear head, then fine-tune everything with
 * CE + alpha * &lt;w, w_orig&gt;, which pushes the new head away from the backdoored one, while the
 * head's weight norm is held at the original's after every step.
 *
 * <p>{@code alpha} is a number, or {@code auto} (default): the largest alpha of {@code alpha-grid}
 * whose model keeps validation C-Acc within {@code cacc-budget} (2 points) of the backdoored
 * model's, tried from the largest down - the paper lowers alpha where C-Acc drops (FST paper,
 * section 4; its README: "use a small alpha" off CIFAR-10); chosen on the validation split only.
 * Other defaults follow the authors' code (stable_backdoor_purification, fine_tune/ft.py and
 * README): alpha grid from 0.2 (ft.py default) and 0.1 (README, CIFAR-10) down to 0, SGD lr 0.01,
 * momentum 0.9, no weight decay, cosine, 10 epochs, batch 128, crop + flip, {@code samples} 1000
 * tuning images (split_ratio 0.02 of CIFAR-10), head re-initialised U(+-1/sqrt(fan_in)).
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "fst", version = "1.1.0",
        description = "Feature shift tuning: re-initialised head, CE + alpha <w, w_orig>, head norm kept; alpha auto-selected on validation C-Acc",
        paper = "Min et al., Towards Stable Backdoor Purification through Feature Shift Tuning, NeurIPS 2023",
        needs = {Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA},
        params = {
            @Param(name = "alpha", type = ParamType.NUMBER, defaultValue = "auto", min = 0, choices = {"auto"}, description = "weight of <w, w_orig>, or auto: the largest of alpha-grid within cacc-budget on validation data", source = "FST paper, section 4; README: use a small alpha off CIFAR-10"),
            @Param(name = "alpha-grid", type = ParamType.NUMBER_LIST, defaultValue = "0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001,0", min = 0, description = "alphas auto tries, largest first", source = "stable_backdoor_purification fine_tune/ft.py (0.2) and README (0.1 on CIFAR-10)"),
            @Param(name = "cacc-budget", type = ParamType.NUMBER, defaultValue = "0.02", description = "largest validation C-Acc drop from the backdoored model accepted by auto", source = LargestWithinBudget.RULE_SOURCE),
            @Param(name = "samples", type = ParamType.INT, defaultValue = "1000", min = 2, description = "tuning images used (the first ones), >= 2", source = "stable_backdoor_purification: split_ratio 0.02 of CIFAR-10"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "10", min = 0, description = "training epochs", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "training batch size", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "learning rate", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "0", min = 0, description = "weight decay", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "cosine", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "sgd", choices = {"sgd", "adam"}, description = "optimizer", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "stable_backdoor_purification fine_tune/ft.py")
        })
public final class FeatureShiftTuning implements Defense {
    static final String DEFAULT_GRID = "0.2,0.1,0.05,0.02,0.01,0.005,0.002,0.001,0";

    @Override
    public Model purify(DefenseContext ctx) {
        Params p = ctx.params();
        Model backdoored = ctx.backdooredModel();
        LabeledImages tuning = ctx.requireTuningData();
        int samples = p.getInt("samples", 1000);
        if (samples < 2) {
            throw new IllegalArgumentException("fst samples must be >= 2 (0 is not allowed: use the default 1000), got " + samples);
        }
        LabeledImages data = samples >= tuning.size() ? tuning : tuning.range(0, samples);
        return LargestWithinBudget.choose(ctx, "fst", "alpha", DEFAULT_GRID, alpha -> tune(ctx, backdoored, data, alpha));
    }

    private static Model tune(DefenseContext ctx, Model backdoored, LabeledImages data, double alpha) {
        Model model = backdoored.copy();
        List<String> head = model.classifierParameters();
        INDArray weights = model.parameters().get(head.get(0));
        INDArray original = weights.dup();
        double norm = original.norm2Number().doubleValue();
        reinitialise(model, head, ctx.seed());
        StepHook hook = new Hook(head.get(0), original, alpha, norm);
        ctx.host().trainer().train(model, data, FineTuning.config(ctx.params(), FineTuning.DEFAULTS), hook, ctx.seed(),
                "defense fst (alpha " + alpha + ")");
        return model;
    }

    /** PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias. */
    static void reinitialise(Model model, List<String> head, long seed) {
        INDArray w = model.parameters().get(head.get(0));
        double bound = 1 / Math.sqrt(w.size(0));
        Random random = new Random(Seeds.derive(seed, "fst-head"));
        for (String name : head) {
            INDArray p = model.parameters().get(name);
            double[] v = new double[(int) p.length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (random.nextDouble() * 2 - 1) * bound;
            }
            p.assign(Nd4j.create(v, p.shape()).castTo(p.dataType()));
        }
    }

    /** Adds the feature-shift gradient alpha * w_orig to the head and projects its norm back after each step. */
    static final class Hook implements StepHook {
        private final String weightName;
        private final INDArray original;
        private final double alpha;
        private final double norm;

        Hook(String weightName, INDArray original, double alpha, double norm) {
            this.weightName = weightName;
            this.original = original;
            this.alpha = alpha;
            this.norm = norm;
        }

        @Override
        public Map<String, INDArray> gradient(StepContext step) {
            Map<String, INDArray> g = step.gradient();
            g.get(weightName).addi(original.mul(alpha));
            return g;
        }

        @Override
        public void afterStep(StepContext step) {
            INDArray w = step.model().parameters().get(weightName);
            w.muli(norm / (w.norm2Number().doubleValue() + 1e-12));
        }
    }
}
