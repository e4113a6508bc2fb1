package org.purifybench.spi;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** What an evaluator gets: all models of the cell, the attack, and held-out data. */
public interface EvaluationContext {
    /** Id of the defense that produced {@link #purifiedModel()}. */
    String defenseId();

    /** The name results give this defense: its id, or id plus parameters when the matrix runs it with several settings. */
    default String defenseName() {
        return defenseId();
    }

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
     * Names of all defenses of this cell, as results name them (the id, or id plus parameters when
     * the matrix runs one defense with several settings); includes {@link #defenseName()}.
     */
    default List<String> defenses() {
        return List.of();
    }

    /**
     * A private copy of the model another defense of this cell produced (e.g. the oracle EP model
     * QRA regularises with, or the models QRA perturbations are transferred to); empty when the
     * matrix has no such defense. Purifies that defense on first use if no one has yet.
     */
    default Optional<Model> purifiedModelOf(String defense) {
        return Optional.empty();
    }

    /**
     * Names of this cell's defenses whose descriptor declares {@code role}, in matrix order (as
     * {@link #defenses()} names them). Ask for the oracle or a baseline by role, never by id: a
     * third-party jar may provide them under other ids.
     */
    default List<String> defensesWithRole(Role role) {
        return List.of();
    }

    /** The role of the cell's defense {@code defense} (a name of {@link #defenses()}); {@link Role#PURIFIER} when unknown. */
    default Role roleOf(String defense) {
        return Role.PURIFIER;
    }

    /** A private copy of the model of the cell's first defense with {@code role}; empty when the matrix has none. */
    default Optional<Model> modelOf(Role role) {
        return defensesWithRole(role).stream().findFirst().flatMap(this::purifiedModelOf);
    }

    /**
     * Like {@link #memo} but shared by all evaluators of the cell, so that two evaluators can reuse
     * one expensive computation (QRA and its transfer matrix share the trained perturbations).
     * Put everything the value depends on (parameters, defense) into the key.
     */
    default <T> T cellMemo(String key, Supplier<T> compute) {
        return compute.get();
    }

    /**
     * Computes a value once per cell (dataset, model, attack, rate, seed) and evaluator params,
     * shared by all defenses, e.g. the clean model's control run.
     */
    <T> T memo(String key, Supplier<T> compute);
}
