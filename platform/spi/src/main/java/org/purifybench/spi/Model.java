package org.purifybench.spi;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A classifier owned by the host (a SameDiff graph in the default host). Plug-ins read and write
 * its parameters, but the architecture is fixed: a defense returns a model of the same architecture.
 */
public interface Model {

    /** Architecture id, e.g. {@code cnn-small}; equal ids and shapes mean interchangeable parameters. */
    String architecture();

    ImageShape inputShape();

    int numClasses();

    /** A deep copy: parameters and BatchNorm statistics are not shared. */
    Model copy();

    /** Logits [N, classes] in evaluation mode (BatchNorm uses running statistics). */
    INDArray logits(INDArray images);

    /** The features the final linear classifier reads [N, D], evaluation mode. */
    default INDArray features(INDArray images) {
        throw new UnsupportedOperationException(architecture() + " does not expose its features");
    }

    /**
     * Vector-Jacobian product in evaluation mode: the gradient with respect to {@code images} of
     * {@code sum(logits * logitWeights) + sum(features * featureWeights)}. Either weight may be
     * null (zero). With it a plug-in differentiates any loss of the logits or features through
     * the frozen model (trigger inversion, query attacks, universal perturbations).
     */
    default INDArray inputGradient(INDArray images, INDArray logitWeights, INDArray featureWeights) {
        throw new UnsupportedOperationException(architecture() + " does not provide input gradients");
    }

    /** Arg-max class per image, evaluation mode. */
    int[] predict(INDArray images);

    /**
     * Live trainable parameters by name, in a fixed order. Writing into these arrays changes the
     * model (that is how optimizers and defenses update it).
     */
    Map<String, INDArray> parameters();

    /** Live non-trainable state (BatchNorm running mean/variance) by name. */
    Map<String, INDArray> state();

    /** All trainable parameters flattened into one new vector, in {@link #parameters()} order. */
    INDArray flatParameters();

    /** Overwrite all trainable parameters from a flat vector laid out as {@link #flatParameters()}. */
    void setFlatParameters(INDArray flat);

    /**
     * Names (keys of {@link #parameters()}) of the final linear classifier, weights first: what
     * head-re-initialising defenses such as FST work on.
     */
    default java.util.List<String> classifierParameters() {
        throw new UnsupportedOperationException(architecture() + " does not name its classifier parameters");
    }

    /**
     * The BatchNorm layers in graph order, whose scale and shift are entries of {@link #parameters()}:
     * what neuron-pruning defenses (ANP) mask and prune.
     */
    default java.util.List<BatchNormLayer> batchNormLayers() {
        throw new UnsupportedOperationException(architecture() + " does not name its BatchNorm layers");
    }

    /** Copy parameters and state from another model of the same architecture. */
    void copyFrom(Model other);
}
