package org.purifybench.spi;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Customises each optimisation step of {@link Trainer#train}: SAM, PAM and FST replace the
 * gradient (possibly computed at other parameters) or fix up the model after the update.
 */
public interface StepHook {
    StepHook PLAIN = new StepHook() {
    };

    /** The gradient the optimiser applies at this step. The model's parameters must be as found on return. */
    default Map<String, INDArray> gradient(StepContext step) {
        return step.gradient();
    }

    /** Called after the optimiser updated the parameters. */
    default void afterStep(StepContext step) {
    }
}
