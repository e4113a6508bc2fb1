package org.purifybench.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

/**
 * The disjoint parts of one dataset that the attacker and the defender each see. Making them
 * disjoint and seeded is what makes results comparable: no defense tunes on images the backdoor
 * was trained on, and every defense in a run gets exactly the same parts.
 *
 * @param attackerTrain the attacker's training set (the rest of the training set, optionally capped)
 * @param tuning        clean data the defender may use to purify the model
 * @param validation    clean data for validating the defended model
 * @param retuningPool  clean data reserved for post-purification retuning
 * @param test          the dataset's test set, unchanged
 */
public record Splits(LabeledImages attackerTrain, LabeledImages tuning, LabeledImages validation,
                     LabeledImages retuningPool, LabeledImages test) {

    /**
     * Cuts a seeded permutation of {@code d}'s training set into tuning, validation, retuning pool
     * and attacker parts, in that order. The order means a change to {@code attackerTrainLimit}
     * leaves the defender's parts unchanged.
     */
    public static Splits make(Dataset d, SplitConfig c, long seed) {
        int n = d.train().size();
        int tuning = (int) Math.round(c.tuningFraction() * n);
        int validation = (int) Math.round(c.validationFraction() * n);
        int pool = c.retuningPoolSize();
        requireNonEmpty("tuning", tuning, n, "raise tuningFraction");
        requireNonEmpty("validation", validation, n, "raise validationFraction");
        long rest = (long) n - tuning - validation - pool;
        if (rest < 1) {
            throw new UserException("the splits do not fit in the " + n + " training images of " + d.name() + ": tuning "
                    + tuning + " + validation " + validation + " + retuning pool " + pool + " leave " + rest
                    + " for the attacker", "lower tuningFraction, validationFraction or retuningPoolSize");
        }
        int attacker = c.attackerTrainLimit() > 0 ? (int) Math.min(rest, c.attackerTrainLimit()) : (int) rest;

        // Collections.shuffle with java.util.Random: both algorithms are fixed by their specification,
        // so a seed names the same split on every JVM.
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int[] perm = order.stream().mapToInt(Integer::intValue).toArray();

        LabeledImages train = d.train();
        int endTuning = tuning;
        int endValidation = endTuning + validation;
        int endPool = endValidation + pool;
        LabeledImages tuningSet = train.subset(Arrays.copyOfRange(perm, 0, endTuning));
        LabeledImages validationSet = train.subset(Arrays.copyOfRange(perm, endTuning, endValidation));
        LabeledImages poolSet = train.subset(Arrays.copyOfRange(perm, endValidation, endPool));
        LabeledImages attackerSet = train.subset(Arrays.copyOfRange(perm, endPool, endPool + attacker));
        return new Splits(attackerSet, tuningSet, validationSet, poolSet, d.test());
    }

    private static void requireNonEmpty(String part, int size, int n, String fix) {
        if (size < 1) {
            throw new UserException("the " + part + " split of " + n + " training images would be empty", fix);
        }
    }
}
