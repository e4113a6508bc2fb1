package org.purifybench.spi;

/**
 * What a defense's model means in a matrix. The host, the report and the leaderboard read roles,
 * never plug-in ids: a baseline or oracle of a third-party jar is treated as the built-in one is.
 */
public enum Role {
    /** A defense under judgement: ranked by its P-ASR, O-ASR and C-Acc. */
    PURIFIER,
    /** The backdoored model itself (no defense): the row every defense is compared with (O-Backdoor). */
    BACKDOORED_BASELINE,
    /** A model trained on clean data only: the control (e.g. RA on it must stay low). */
    CLEAN_BASELINE,
    /** Knows the true trigger (declares {@link Need#ORACLE_TRIGGER}): an upper bound, never ranked. */
    ORACLE;

    /** True for the two baselines, which are references rather than purifications. */
    public boolean isBaseline() {
        return this == BACKDOORED_BASELINE || this == CLEAN_BASELINE;
    }
}
