package org.purifybench.spi;

/** When a trigger is applied: poisoning the training set, or attacking at test time (they may differ). */
public enum Phase {
    TRAIN, TEST
}
