package org.purifybench.defenses;

import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.Model;

/**
 * How a step turns "the gradient at the current weights" into the gradient to apply: plain,
 * SAM (gradient at a worst-case neighbour) or PAM (gradient at a point toward the backdoored
 * model). Separate from the batch, so the same rule runs on clean or clean + reversed batches.
 */
interface StepRule {
    StepRule PLAIN = (model, gradient) -> gradient.get();

    /**
     * @param gradient evaluates the batch's gradient at the model's parameters as they are when
     *                 it is called; the rule may move the parameters in between but must restore them
     */
    Map<String, INDArray> gradient(Model model, Supplier<Map<String, INDArray>> gradient);
}
