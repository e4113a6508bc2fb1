package org.purifybench.spi;

import java.util.function.Supplier;

/** What an evaluator gets: all models of the cell, the attack, and held-out data. */
public interface EvaluationContext {
    /** Id of the defense that produced {@link #purifiedModel()}. */
    String defenseId();

    /** Id of the attack of this cell (evaluators may tune per attack, e.g. RA's poisoned count). */
    String attackId();

    Model purifiedModel();

    Model backdooredModel();

    Model cleanModel();

    Backdoor backdoor();

    /** The held-out test set (never shown to defenses). */
    LabeledImages testData();

    /** Training samples reserved for evaluators (the Retuning Attack's pool), disjoint from the defender's data. */
    LabeledImages retuningPool();

    long seed();

    Params params();

    Host host();

    /**
     * Computes a value once per cell (dataset, model, attack, rate, seed) and evaluator params,
     * shared by all defenses, e.g. the clean model's control run.
     */
    <T> T memo(String key, Supplier<T> compute);
}
