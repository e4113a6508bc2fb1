package org.purifybench.spi;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One optimisation step as a {@link StepHook} sees it. */
public interface StepContext {
    Model model();

    /** The batch's images (NCHW) and labels. */
    INDArray images();

    int[] labels();

    int epoch();

    long iteration();

    /**
     * Gradient of the mean cross-entropy on this batch at the model's <em>current</em> parameters,
     * in training mode. The first call of a step also updates BatchNorm running statistics; later
     * calls (e.g. at SAM's perturbed point) do not. Arrays are fresh: the hook may modify them.
     */
    Map<String, INDArray> gradient();

    /** The same on another batch (e.g. a defense's mixed clean + reversed batch). */
    Map<String, INDArray> gradient(INDArray images, int[] labels);

    /**
     * Gradient of mean cross-entropy against per-row target distributions {@code targets} [N, classes]
     * (e.g. label smoothing), in training mode, at the current parameters.
     */
    default Map<String, INDArray> gradient(INDArray images, INDArray targets) {
        throw new UnsupportedOperationException("this host has no soft-label gradient");
    }

    /**
     * Gradient of {@code mean CE(images, targets) + sum(features(images) * featureWeights)} in
     * training mode: with featureWeights = dL/dfeatures a defense adds any loss of the features
     * (BTI-DBF's feature matching) by the chain rule; all-zero targets leave the feature term alone.
     */
    default Map<String, INDArray> gradient(INDArray images, INDArray targets, INDArray featureWeights) {
        throw new UnsupportedOperationException("this host has no feature-weighted gradient");
    }

    /** Features the linear classifier reads [N, D], in training mode (batch statistics), without gradients. */
    default INDArray trainingFeatures(INDArray images) {
        throw new UnsupportedOperationException("this host exposes no training-mode features");
    }
}
