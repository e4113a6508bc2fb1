package org.purifybench.core.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.TrainConfig;

/**
 * A model as the host's engines hold it: the SPI's {@link Model} (INDArrays at the boundary) plus
 * what the host's trainer needs, so one trainer serves every engine while the hot loop stays inside
 * the engine ({@link Updater#step}).
 */
public interface HostModel extends Model {
    /** BatchNorm running statistics follow PyTorch's convention: new = 0.9 old + 0.1 batch. */
    double BN_MOMENTUM = 0.1;

    ModelSpec spec();

    @Override
    default String architecture() {
        return spec().architecture();
    }

    @Override
    default ImageShape inputShape() {
        return spec().shape();
    }

    @Override
    default int numClasses() {
        return spec().numClasses();
    }

    /** Every architecture of the zoo ends in {@code Layers.dense(..., "fc")}. */
    @Override
    default java.util.List<String> classifierParameters() {
        return java.util.List.of("fc_W", "fc_b");
    }

    ComputeEngine engine();

    @Override
    HostModel copy();

    /**
     * Gradient of {@code mean CE(images, targets) + sum(features(images) * featureWeights)} in
     * training mode at the current parameters; BatchNorm running statistics are updated from this
     * batch only if {@code updateStatistics}.
     *
     * @param targets        per-row target distributions [N, classes] (one-hot or soft)
     * @param featureWeights [N, featureSize] or null for none
     */
    Gradient gradient(INDArray images, INDArray targets, INDArray featureWeights, boolean updateStatistics);

    /** Features the linear classifier reads [N, D] in training mode (batch statistics), statistics untouched. */
    INDArray trainingFeatures(INDArray images);

    /** Length of the feature vector the linear classifier reads. */
    long featureSize();

    /**
     * Re-estimates BatchNorm running statistics as the equal-weight average of batch statistics over
     * {@code data} in chunks of {@code batch} (PyTorch's momentum=None), nothing of the old ones kept.
     */
    void recalibrateBatchNorm(LabeledImages data, int batch);

    /** The optimiser of one training phase, holding its state (momentum, Adam moments) in the engine. */
    Updater updater(TrainConfig config);

    /** Parameters then state, copied (for saving and shipping). */
    Map<String, INDArray> snapshot();

    /** Overwrites parameters and state from a {@link #snapshot()} of a model of the same spec. */
    void restore(Map<String, INDArray> arrays);

    /** Loss and gradient of one batch. */
    record Gradient(double loss, Map<String, INDArray> values) {
    }
}
