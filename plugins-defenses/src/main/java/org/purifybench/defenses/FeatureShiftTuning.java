package org.purifybench.defenses;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;

/**
 * FST (Min et al., NeurIPS 2023): re-initialise the linear head, then fine-tune everything with
 * CE + alpha * &lt;w, w_orig&gt;, which pushes the new head away from the backdoored one, while the
 * head's weight norm is held at the original's after every step. Defaults from the paper's
 * appendix B (CIFAR-10): alpha 0.1, lr 0.01, 10 epochs.
 */
public final class FeatureShiftTuning implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "fst", "1.0.0",
                "Feature shift tuning: re-initialised head, CE + alpha <w, w_orig>, head norm kept (alpha 0.1, lr 0.01, 10 epochs)",
                "Min et al., Towards Stable Backdoor Purification through Feature Shift Tuning, NeurIPS 2023",
                Need.CLEAN_TUNING_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model model = ctx.backdooredModel();
        double alpha = ctx.params().getDouble("alpha", 0.1);
        List<String> head = model.classifierParameters();
        INDArray weights = model.parameters().get(head.get(0));
        INDArray original = weights.dup();
        double norm = original.norm2Number().doubleValue();
        reinitialise(model, head, ctx.seed());
        StepHook hook = new Hook(head.get(0), original, alpha, norm);
        ctx.host().trainer().train(model, ctx.requireTuningData(), FineTuning.config(ctx.params(), 10, 0.01), hook, ctx.seed(), "defense fst");
        return model;
    }

    /** PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias. */
    static void reinitialise(Model model, List<String> head, long seed) {
        INDArray w = model.parameters().get(head.get(0));
        double bound = 1 / Math.sqrt(w.size(0));
        Random random = new Random(seed ^ 0xF57L);
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
