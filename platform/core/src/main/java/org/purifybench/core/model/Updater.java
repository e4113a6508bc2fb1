package org.purifybench.core.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training phase's optimiser on one model, with PyTorch's semantics (weight decay added to the
 * gradient; SGD momentum v = mu v + g, Nesterov steps g + mu v; Adam bias-corrected with betas
 * 0.9/0.999, eps 1e-8). A parameter left out of a gradient is not updated (frozen).
 */
public interface Updater {
    /**
     * A step without a hook: the gradient of mean cross-entropy on this batch (training mode,
     * BatchNorm statistics updated), then the update - all inside the engine. Returns the loss.
     */
    double step(INDArray images, int[] labels, double learningRate);

    /** Applies a gradient a step hook produced. */
    void apply(Map<String, INDArray> gradient, double learningRate);

    /** The phase ended: whatever the engine deferred (reading its arrays back for the SPI) is done now. */
    default void finish() {
    }
}
