package org.purifybench.spi;

/** A poisoned training set and which of its rows carry the trigger. */
public record PoisonedSet(LabeledImages data, int[] poisonedIndices) {
}
