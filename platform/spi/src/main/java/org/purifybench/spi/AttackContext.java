package org.purifybench.spi;

import java.util.Optional;

/** What an attack gets to prepare its trigger. */
public interface AttackContext {
    ImageShape shape();

    int numClasses();

    int targetLabel();

    /** Fraction of the training set to poison, in (0,1). */
    double poisonRate();

    long seed();

    Params params();

    Host host();

    /** Clean training data, for attacks that learn their trigger (SSBA) or craft inputs (LC). */
    LabeledImages trainingData();

    /** Present only if the attack declares {@link Need#CLEAN_REFERENCE_MODEL}. */
    Optional<Model> cleanModel();

    /** Disk cache for what {@code prepare} learns (a trigger encoder); a host without one computes every time. */
    default ArtefactStore artefacts() {
        return ArtefactStore.NONE;
    }
}
