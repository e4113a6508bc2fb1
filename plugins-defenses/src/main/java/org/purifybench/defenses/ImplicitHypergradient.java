package org.purifybench.defenses;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hypergradient of an outer loss L_out(delta, theta) when delta is treated as a fixed point of the
 * inner gradient-descent map Phi(delta, theta) = delta - alpha * grad_delta L_in(delta, theta), by
 * K steps of the fixed-point method (Grazzi et al., ICML 2020; the {@code fixed_point} routine of
 * I-BAU's reference code):
 * <pre>
 *   v = 0;  K times: v = (dPhi/ddelta)^T v + dL_out/ddelta      (dPhi/ddelta = I - alpha H, H the Hessian of L_in in delta)
 *   hypergradient = dL_out/dtheta + (dPhi/dtheta)^T v           ((dPhi/dtheta)^T v = -alpha grad_theta &lt;grad_delta L_in, v&gt;)
 * </pre>
 * SameDiff M2.1 has no double backward (docs/engine-notes.md, pitfall 5). The inner loss supplies H v (see
 * {@link #gradientDifference} for the generic way); the mixed product is the central difference of
 * theta-gradients along v, by symmetry of mixed partial derivatives,
 * <pre>
 *   grad_theta &lt;grad_delta L_in, v&gt; ~ (grad_theta L_in(delta + h v) - grad_theta L_in(delta - h v)) / 2h,   h = eps / ||v||,
 * </pre>
 * so the step has length {@code eps} in delta-space whatever the size of v. The first fixed-point
 * step has v = 0 and costs nothing: K steps take K - 1 products H v and one mixed product.
 */
final class ImplicitHypergradient {
    /** The inner loss at the current theta, through the derivatives the method needs. */
    interface InnerLoss {
        /** H v for v != 0, H the Hessian of L_in in delta; {@code eps} is the step length for finite differences. */
        INDArray hessianVector(INDArray delta, INDArray v, double eps);

        /** grad_theta L_in by parameter name. */
        Map<String, INDArray> gradTheta(INDArray delta);
    }

    private final int steps;
    private final double innerLr;
    private final double eps;

    /**
     * @param steps   K, the number of fixed-point iterations (0: the plain outer gradient)
     * @param innerLr alpha, the inner map's step size
     * @param eps     length of the finite-difference steps in delta-space
     */
    ImplicitHypergradient(int steps, double innerLr, double eps) {
        if (steps < 0) {
            throw new IllegalArgumentException("fixed-point steps K must be >= 0, got " + steps);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("finite-difference step must be positive, got " + eps);
        }
        this.steps = steps;
        this.innerLr = innerLr;
        this.eps = eps;
    }

    /** The hypergradient by parameter name; {@code outerGradTheta} and {@code outerGradDelta} are not modified. */
    Map<String, INDArray> hypergradient(InnerLoss inner, INDArray delta, INDArray outerGradDelta,
                                        Map<String, INDArray> outerGradTheta) {
        INDArray v = outerGradDelta.dup();
        for (int k = 1; k < steps; k++) {
            // v <- (I - alpha H) v + dL_out/ddelta, H symmetric.
            v = v.sub(deltaHvp(inner, delta, v).muli(innerLr)).addi(outerGradDelta);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        outerGradTheta.forEach((k, g) -> out.put(k, g.dup()));
        if (steps == 0 || v.norm2Number().doubleValue() == 0) {
            return out;
        }
        mixedHvp(inner, delta, v).forEach((k, m) -> {
            INDArray g = out.get(k);
            if (g == null) {
                throw new IllegalStateException("inner loss has a gradient for '" + k + "' but the outer loss has none");
            }
            g.subi(m.castTo(g.dataType()).muli(innerLr));
        });
        return out;
    }

    /** H v; exactly zero for v = 0. */
    INDArray deltaHvp(InnerLoss inner, INDArray delta, INDArray v) {
        return v.norm2Number().doubleValue() == 0 ? v.mul(0) : inner.hessianVector(delta, v, eps);
    }

    /** grad_theta &lt;grad_delta L_in, v&gt;, the directional derivative of grad_theta L_in along v (v != 0). */
    Map<String, INDArray> mixedHvp(InnerLoss inner, INDArray delta, INDArray v) {
        double h = eps / v.norm2Number().doubleValue();
        Map<String, INDArray> out = new LinkedHashMap<>();
        // Copied before the second evaluation: a host may reuse its gradient arrays.
        inner.gradTheta(delta.add(v.mul(h))).forEach((k, g) -> out.put(k, g.dup()));
        Map<String, INDArray> minus = inner.gradTheta(delta.sub(v.mul(h)));
        out.forEach((k, g) -> g.subi(minus.get(k)).divi(2 * h));
        return out;
    }

    /** H v ~ (g(delta + h v) - g(delta - h v)) / 2h with h = eps / ||v||, g the delta-gradient of the loss. */
    static INDArray gradientDifference(UnaryOperator<INDArray> gradDelta, INDArray delta, INDArray v, double eps) {
        double h = eps / v.norm2Number().doubleValue();
        INDArray plus = gradDelta.apply(delta.add(v.mul(h))).dup();
        return plus.subi(gradDelta.apply(delta.sub(v.mul(h)))).divi(2 * h);
    }
}
