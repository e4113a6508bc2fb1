package org.purifybench.defenses;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import java.util.function.Supplier;
import org.purifybench.spi.Model;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;

/**
 * A sharpness-aware minimisation step (Foret et al. 2021; adaptive variant of Kwon et al. 2021):
 * the gradient is taken at w + e, the worst case within a neighbourhood of size rho, and applied
 * at w. With {@code adaptive}, e = rho * T^2 g / ||T g|| with T = |w| (scale-invariant);
 * otherwise e = rho * g / ||g||.
 */
final class SharpnessAwareStep implements StepHook, StepRule {
    private final double rho;
    private final boolean adaptive;

    SharpnessAwareStep(double rho, boolean adaptive) {
        if (!(rho > 0)) {
            throw new IllegalArgumentException("SAM neighbourhood size rho must be positive, got " + rho);
        }
        this.rho = rho;
        this.adaptive = adaptive;
    }

    /** The perturbation e for gradient g at weights w (exposed for tests). */
    Map<String, INDArray> perturbation(Map<String, INDArray> weights, Map<String, INDArray> grad) {
        Map<String, INDArray> eps = new HashMap<>();
        double squared = 0;
        for (Map.Entry<String, INDArray> e : grad.entrySet()) {
            INDArray scale = adaptive ? Transforms.abs(weights.get(e.getKey()), true) : null;
            INDArray tg = adaptive ? e.getValue().mul(scale) : e.getValue();
            double n = tg.norm2Number().doubleValue();
            squared += n * n;
            // e is T (T g) up to the common factor applied below; T = 1 when not adaptive.
            eps.put(e.getKey(), adaptive ? tg.muli(scale) : tg.dup());
        }
        double factor = rho / (Math.sqrt(squared) + 1e-12);
        eps.values().forEach(v -> v.muli(factor));
        return eps;
    }

    @Override
    public Map<String, INDArray> gradient(StepContext step) {
        return gradient(step.model(), step::gradient);
    }

    @Override
    public Map<String, INDArray> gradient(Model model, Supplier<Map<String, INDArray>> gradient) {
        Map<String, INDArray> w = model.parameters();
        Map<String, INDArray> eps = perturbation(w, gradient.get());
        eps.forEach((k, e) -> w.get(k).addi(e));
        try {
            return gradient.get();
        } finally {
            eps.forEach((k, e) -> w.get(k).subi(e));
        }
    }
}
