package org.purifybench.defenses;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.BatchNormLayer;
import org.purifybench.spi.Model;

/**
 * ANP's per-neuron state on a model's BatchNorm layers: a mask m and multiplicative noise
 * (delta on the scale, xi on the shift), so that a layer computes
 * {@code gamma0 * (m + delta) * xhat + beta0 * (1 + xi)}. Instead of a second graph, the effective
 * scale and shift are written into the model's own parameters; then by the chain rule
 * dL/dm = dL/dgamma * gamma0 (and the same for delta), dL/dxi = dL/dbeta * beta0, so the host's
 * ordinary parameter gradient is all ANP needs.
 */
final class NeuronMasks {
    private final Model model;
    private final List<BatchNormLayer> layers;
    private final List<INDArray> gamma0 = new ArrayList<>();
    private final List<INDArray> beta0 = new ArrayList<>();
    final List<INDArray> mask = new ArrayList<>();
    final List<INDArray> scaleNoise = new ArrayList<>();
    final List<INDArray> shiftNoise = new ArrayList<>();

    NeuronMasks(Model model) {
        this.model = model;
        this.layers = model.batchNormLayers();
        for (BatchNormLayer bn : layers) {
            INDArray g = model.parameters().get(bn.scale());
            gamma0.add(g.dup());
            beta0.add(model.parameters().get(bn.shift()).dup());
            mask.add(Nd4j.onesLike(g));
            scaleNoise.add(Nd4j.zerosLike(g));
            shiftNoise.add(Nd4j.zerosLike(g));
        }
    }

    List<BatchNormLayer> layers() {
        return layers;
    }

    int neurons() {
        return layers.stream().mapToInt(BatchNormLayer::channels).sum();
    }

    /** Writes the masked (and, if {@code perturbed}, noisy) scale and shift into the model. */
    void apply(boolean perturbed) {
        for (int i = 0; i < layers.size(); i++) {
            INDArray coeffScale = perturbed ? mask.get(i).add(scaleNoise.get(i)) : mask.get(i);
            model.parameters().get(layers.get(i).scale()).assign(gamma0.get(i).mul(coeffScale));
            INDArray shift = model.parameters().get(layers.get(i).shift());
            if (perturbed) {
                shift.assign(beta0.get(i).mul(shiftNoise.get(i).add(1)));
            } else {
                shift.assign(beta0.get(i));
            }
        }
    }

    /** Puts the original scale and shift back. */
    void restore() {
        for (int i = 0; i < layers.size(); i++) {
            model.parameters().get(layers.get(i).scale()).assign(gamma0.get(i));
            model.parameters().get(layers.get(i).shift()).assign(beta0.get(i));
        }
    }

    /** dL/dm per layer (equal to dL/ddelta) from the model's gradient at the applied parameters. */
    List<INDArray> scaleCoefficientGradient(java.util.Map<String, INDArray> gradient) {
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(gradient.get(layers.get(i).scale()).castTo(gamma0.get(i).dataType()).mul(gamma0.get(i)));
        }
        return out;
    }

    /** dL/dxi per layer. */
    List<INDArray> shiftCoefficientGradient(java.util.Map<String, INDArray> gradient) {
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(gradient.get(layers.get(i).shift()).castTo(beta0.get(i).dataType()).mul(beta0.get(i)));
        }
        return out;
    }

    /** Fresh noise, uniform in [-eps, eps] from the seeded stream. */
    void randomNoise(double eps, SplittableRandom random) {
        for (List<INDArray> noise : List.of(scaleNoise, shiftNoise)) {
            for (INDArray n : noise) {
                double[] v = new double[(int) n.length()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (random.nextDouble() * 2 - 1) * eps;
                }
                n.assign(Nd4j.create(v, n.shape()).castTo(n.dataType()));
            }
        }
    }

    /**
     * One signed ascent step of size {@code step} on the noise, kept in [-eps, eps] (the ANP paper's
     * constraint on the perturbation; a random start plus a full step could otherwise reach 2 eps).
     */
    void ascendNoise(List<INDArray> scaleGrad, List<INDArray> shiftGrad, double step, double eps) {
        for (int i = 0; i < layers.size(); i++) {
            scaleNoise.get(i).addi(Transforms.sign(scaleGrad.get(i)).muli(step));
            shiftNoise.get(i).addi(Transforms.sign(shiftGrad.get(i)).muli(step));
            clip(scaleNoise.get(i), -eps, eps);
            clip(shiftNoise.get(i), -eps, eps);
        }
    }

    /** Masks stay in [0, 1] after every update (ANP's clip_mask). */
    void clipMasks() {
        mask.forEach(m -> clip(m, 0, 1));
    }

    private static void clip(INDArray a, double lo, double hi) {
        Transforms.max(a, lo, false);
        Transforms.min(a, hi, false);
    }

    /**
     * Restores the original parameters and sets the scale of every neuron whose mask is below
     * {@code threshold} to zero (ANP prunes the BN weight only; the shift stays). Returns the count.
     */
    int pruneBelow(double threshold) {
        restore();
        int pruned = 0;
        for (int i = 0; i < layers.size(); i++) {
            INDArray scale = model.parameters().get(layers.get(i).scale());
            INDArray m = mask.get(i).reshape(-1);
            INDArray flatScale = scale.reshape(-1);
            for (int c = 0; c < m.length(); c++) {
                if (m.getDouble(c) < threshold) {
                    flatScale.putScalar(c, 0);
                    pruned++;
                }
            }
            scale.assign(flatScale.reshape(scale.shape()));
        }
        return pruned;
    }
}
