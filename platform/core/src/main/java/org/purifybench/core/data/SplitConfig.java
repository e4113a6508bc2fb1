package org.purifybench.core.data;

import org.purifybench.core.UserException;

/**
 * How the training set is divided between the attacker and the defender (see {@link Splits}).
 * Kept separate from the split itself so configs can be validated before any data is loaded.
 *
 * @param tuningFraction     share of the training set the defender gets as clean tuning data, in (0,1)
 * @param validationFraction share held out for validating the defended model, in (0,1)
 * @param retuningPoolSize   number of images reserved for post-purification retuning, at least 1
 * @param attackerTrainLimit cap on the attacker's training set; 0 means no cap
 */
public record SplitConfig(double tuningFraction, double validationFraction, int retuningPoolSize, int attackerTrainLimit) {
    public SplitConfig {
        requireFraction("tuningFraction", tuningFraction);
        requireFraction("validationFraction", validationFraction);
        if (!(tuningFraction + validationFraction < 1)) {
            throw new UserException("tuningFraction + validationFraction is " + (tuningFraction + validationFraction)
                    + ", leaving no training data for the attacker", "make their sum well below 1 (defaults: 0.05 and 0.02)");
        }
        if (retuningPoolSize < 1) {
            throw new UserException("retuningPoolSize is " + retuningPoolSize + ", must be at least 1",
                    "set retuningPoolSize to a positive number of images (default 1000)");
        }
        if (attackerTrainLimit < 0) {
            throw new UserException("attackerTrainLimit is " + attackerTrainLimit + ", must not be negative",
                    "set attackerTrainLimit to 0 (no limit) or a positive number of images");
        }
    }

    /** 5% tuning, 2% validation, 1000 retuning images, no limit on the attacker's set. */
    public static SplitConfig defaults() {
        return new SplitConfig(0.05, 0.02, 1000, 0);
    }

    private static void requireFraction(String name, double value) {
        // Written as a negated range test so NaN is rejected too.
        if (!(value > 0 && value < 1)) {
            throw new UserException(name + " is " + value + ", must be strictly between 0 and 1",
                    "set " + name + " to a fraction such as 0.05");
        }
    }
}
