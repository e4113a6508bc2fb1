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
}
