package org.purifybench.defenses;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.Model;

/**
 * Path-Aware Minimization's step (Min et al., NeurIPS 2024, Algorithm 1): with W_d = W0 - W, the
 * gradient is taken at W + rho * W_d / ||W_d||_2 (a point toward the backdoored model W0) and
 * applied at W. W0 holds trainable parameters only, so BatchNorm running statistics are not part of
 * W_d. At the first step W = W0 and the direction is undefined: the plain gradient is used.
 */
final class PathAwareStep implements StepRule {
    private final Map<String, INDArray> start;
    private final double rho;

    PathAwareStep(Model backdoored, double rho) {
        if (!(rho >= 0)) {
            throw new IllegalArgumentException("PAM step size rho must be >= 0, got " + rho);
        }
        this.rho = rho;
        this.start = new HashMap<>();
        backdoored.parameters().forEach((k, v) -> start.put(k, v.dup()));
    }

    /** The interpolated point's offset rho * W_d / ||W_d|| from the current weights, or null when W = W0. */
    Map<String, INDArray> offset(Map<String, INDArray> weights) {
        Map<String, INDArray> d = new HashMap<>();
        double squared = 0;
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            INDArray diff = start.get(e.getKey()).sub(e.getValue());
            double n = diff.norm2Number().doubleValue();
            squared += n * n;
            d.put(e.getKey(), diff);
        }
        if (squared == 0) {
            return null;
        }
        double factor = rho / Math.sqrt(squared);
        d.values().forEach(v -> v.muli(factor));
        return d;
    }

    @Override
    public Map<String, INDArray> gradient(Model model, Supplier<Map<String, INDArray>> gradient) {
        Map<String, INDArray> w = model.parameters();
        Map<String, INDArray> offset = offset(w);
        if (offset == null) {
            return gradient.get();
        }
        Map<String, INDArray> saved = new HashMap<>();
        w.forEach((k, v) -> saved.put(k, v.dup()));
        offset.forEach((k, o) -> w.get(k).addi(o));
        try {
            return gradient.get();
        } finally {
            saved.forEach((k, v) -> w.get(k).assign(v)); // exact restore, not W + o - o
        }
    }
}
