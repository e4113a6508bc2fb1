package org.purifybench.defenses;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;

/**
 * A sharpness-aware minimisation step (Foret et al. 2021; adaptive variant of Kwon et al. 2021):
 * the gradient is taken at w + e, the worst case within a neighbourhood of size rho, and applied
 * at w. With {@code adaptive}, e = rho * T^2 g / ||T g|| with T = |w| (scale-invariant);
 * otherwise e = rho * g / ||g||.
 */
final class SharpnessAwareStep implements StepHook {
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
        double norm = 0;
        Map<String, INDArray> scaled = new HashMap<>();
        for (Map.Entry<String, INDArray> e : grad.entrySet()) {
            INDArray tg = adaptive ? e.getValue().mul(Transforms.abs(weights.get(e.getKey()), true)) : e.getValue();
            scaled.put(e.getKey(), tg);
            norm += tg.norm2Number().doubleValue() * tg.norm2Number().doubleValue();
        }
        double scale = rho / (Math.sqrt(norm) + 1e-12);
        Map<String, INDArray> eps = new HashMap<>();
        for (Map.Entry<String, INDArray> e : scaled.entrySet()) {
            INDArray t = adaptive ? e.getValue().mul(Transforms.abs(weights.get(e.getKey()), true)) : e.getValue();
            eps.put(e.getKey(), t.mul(scale));
        }
        return eps;
    }

    @Override
    public Map<String, INDArray> gradient(StepContext step) {
        Map<String, INDArray> w = step.model().parameters();
        Map<String, INDArray> eps = perturbation(w, step.gradient());
        eps.forEach((k, e) -> w.get(k).addi(e));
        try {
            return step.gradient();
        } finally {
            eps.forEach((k, e) -> w.get(k).subi(e));
        }
    }
}
