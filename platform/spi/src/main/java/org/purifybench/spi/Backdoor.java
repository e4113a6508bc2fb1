package org.purifybench.spi;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A prepared attack instance: one trigger, one target, one poisoning rate. */
public interface Backdoor {

    int targetLabel();

    /**
     * Poisons a training set: exactly {@code round(rate * size)} samples (chosen with the seed)
     * get the {@link Phase#TRAIN} trigger; dirty-label attacks relabel them to the target.
     */
    PoisonedSet poison(LabeledImages clean);

    /** New array: the trigger applied to every image (inputs untouched). */
    INDArray apply(INDArray images, Phase phase);

    /** Short human-readable facts about the trigger for the report (e.g. blend ratios). */
    default String summary() {
        return "";
    }
}
