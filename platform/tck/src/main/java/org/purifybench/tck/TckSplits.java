package org.purifybench.tck;

import org.purifybench.spi.LabeledImages;

/**
 * The fixture's dataset cut as the runner cuts a real one: disjoint, seeded parts.
 *
 * @param attackerTrain what the backdoored model was trained on
 * @param tuning        clean data a defense may tune on
 * @param validation    clean data for validating the defended model
 * @param retuningPool  clean data reserved for post-purification retuning
 * @param test          the held-out test set
 */
public record TckSplits(LabeledImages attackerTrain, LabeledImages tuning, LabeledImages validation,
                        LabeledImages retuningPool, LabeledImages test) {
}
