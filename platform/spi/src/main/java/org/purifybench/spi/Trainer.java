package org.purifybench.spi;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Host-provided training and evaluation primitives. */
public interface Trainer {

    /**
     * Trains {@code model} in place with SGD (momentum, optional Nesterov, weight decay, schedule)
     * on mean cross-entropy, shuffling with {@code seed}; {@code hook} may replace each step's gradient.
     */
    void train(Model model, LabeledImages data, TrainConfig config, StepHook hook, long seed, String phase);

    /** Gradient of mean cross-entropy on one batch at the current parameters (training-mode BN, stats untouched). */
    Map<String, INDArray> gradient(Model model, INDArray images, int[] labels);

    /** Top-1 accuracy in evaluation mode. */
    double accuracy(Model model, LabeledImages data);

    /** Predicted classes in evaluation mode, batched. */
    int[] predict(Model model, INDArray images);

    /**
     * Re-estimates BatchNorm running statistics from {@code data} in training mode (needed after
     * interpolating or perturbing weights).
     */
    void recalibrateBatchNorm(Model model, LabeledImages data);
}
