package org.purifybench.defenses;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.toolkit.OneHot;

/**
 * BTI-DBF (U)'s unlearning loss as in the authors' code (stable_backdoor_purification,
 * fine_tune/BTIDBF/btidbfu.py {@code unlearn}): on a batch x with a share of rows replaced by
 * G(x) under their true labels (x_mix), {@code CE(f(x_mix), y) + weight * MSE(phi(x), phi(x_mix))},
 * phi the features the classifier reads, both computed by the current model in training mode and
 * both differentiated (neither side is detached in the reference).
 */
final class FeatureMatchingStep implements StepHook {
    private final ReversedMixStep mixer;
    private final double weight;

    FeatureMatchingStep(ReversedMixStep mixer, double weight) {
        if (!(weight >= 0)) {
            throw new IllegalArgumentException("feature-matching weight must be >= 0, got " + weight);
        }
        this.mixer = mixer;
        this.weight = weight;
    }

    @Override
    public Map<String, INDArray> gradient(StepContext step) {
        INDArray clean = step.images();
        INDArray mixed = mixer.mix(clean, step.iteration());
        int classes = step.model().numClasses();
        INDArray targets = OneHot.of(step.labels(), classes);
        if (weight == 0) {
            return step.gradient(mixed, targets);
        }
        INDArray featuresClean = step.trainingFeatures(clean).castTo(DataType.FLOAT);
        INDArray featuresMixed = step.trainingFeatures(mixed).castTo(DataType.FLOAT);
        // d/dphi of weight * mean((phi_mixed - phi_clean)^2), on each side
        INDArray dMixed = featuresMixed.sub(featuresClean).muli(2 * weight / featuresMixed.length());
        Map<String, INDArray> g = step.gradient(mixed, targets, dMixed);
        Map<String, INDArray> fromClean = step.gradient(clean, Nd4j.zeros(DataType.FLOAT, clean.size(0), classes), dMixed.neg());
        g.forEach((k, v) -> v.addi(fromClean.get(k).castTo(v.dataType())));
        return g;
    }
}
