package org.purifybench.spi;

/** What a plug-in declares it needs from the host; the host gives nothing undeclared. */
public enum Need {
    /** The defender's clean tuning set (a defense). */
    CLEAN_TUNING_DATA,
    /** The validation split, for choosing hyperparameters (a defense). */
    VALIDATION_DATA,
    /** The true trigger: makes a defense an oracle, marked as such on the leaderboard. */
    ORACLE_TRIGGER,
    /** A model trained on clean data only (the control; the LC attack's surrogate). */
    CLEAN_REFERENCE_MODEL,
    /** The held-out test set: evaluators only, never given to a defense. */
    TEST_DATA,
    /** The evaluator-owned pool of training samples the Retuning Attack draws from. */
    RETUNING_POOL
}
