package org.purifybench.spi;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a defense gets. There is deliberately no test data here, and no way to reach it: a
 * defense chooses its hyperparameters on {@link #validationData()}.
 */
public interface DefenseContext {
    /** A private copy of the backdoored model; the defense may modify it and return it. */
    Model backdooredModel();

    /** The defender's clean tuning set (default 5% of the training data). Empty unless declared. */
    Optional<LabeledImages> tuningData();

    /** Validation split for hyperparameter choice. Empty unless declared. */
    Optional<LabeledImages> validationData();

    /** The true trigger; present only for defenses that declare {@link Need#ORACLE_TRIGGER}. */
    Optional<Backdoor> oracleTrigger();

    /** A copy of the clean reference model; present only if declared {@link Need#CLEAN_REFERENCE_MODEL}. */
    Optional<Model> cleanModel();

    int numClasses();

    long seed();

    Params params();

    Host host();

    /** Shorthand that fails with a clear message when the need was not declared. */
    default LabeledImages requireTuningData() {
        return tuningData().orElseThrow(() -> new IllegalStateException("declare Need.CLEAN_TUNING_DATA to get the tuning set"));
    }

    default LabeledImages requireValidationData() {
        return validationData().orElseThrow(() -> new IllegalStateException("declare Need.VALIDATION_DATA to get the validation split"));
    }

    /**
     * Records a number about this purification - the trigger target an inversion inferred, the
     * hyperparameter a validation rule chose - that the run keeps beside its results (evaluator
     * {@code diagnostics}) and shows in the report. Diagnostics never rank a defense. Names are
     * lower-case words joined by hyphens. The default host keeps them; others may ignore them.
     */
    default void diagnostic(String name, double value) {
    }

    /**
     * Computes a value once per cell (dataset, model, attack, rate, seed) and hands it to every
     * defense of the cell that asks with the same key, e.g. a trigger inversion two defenses run
     * identically. Put everything the value depends on (model, data, parameters, seed) into the key,
     * and do not change the value: others get the same object. Safe to call from several threads;
     * a computation that throws is not kept. The default (a host without the memo, such as the
     * sandbox's child) computes every time.
     */
    default <T> T cellMemo(String key, Supplier<T> compute) {
        return compute.get();
    }
}
