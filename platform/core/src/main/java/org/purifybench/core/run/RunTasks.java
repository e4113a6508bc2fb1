package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.purifybench.core.UserException;

/**
 * A run cut into tasks for machines that share a work folder (a cluster's array tasks): stage 1
 * trains every model the matrix needs, one task per model (each seed's clean model, each cell's
 * backdoored model with its attack's preparation); stage 2 purifies and evaluates, one task per
 * cell x defense (all its evaluators). Why that cut: a defense's purification is the expensive part
 * and every evaluator of the defense uses its model, so one task per unit would purify each
 * defense once per evaluator or make the evaluators queue for one another's lock. Numbers are
 * stable while the matrix is unchanged, like the units' ({@link MatrixPlan}).
 */
/**
 * @param plan the plan the tasks were cut from, as the journal stood then
 */
public record RunTasks(String runId, MatrixPlan plan, List<TrainTask> train, List<EvaluateTask> evaluate) {

    public RunTasks {
        train = List.copyOf(train);
        evaluate = List.copyOf(evaluate);
    }

    /** The two stages; stage 2 needs every model of stage 1 it uses. */
    public enum Stage {
        TRAIN, EVALUATE;

        /** The stage's name on the command line and in file names. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Stage of(String label) {
            for (Stage s : values()) {
                if (s.label().equalsIgnoreCase(label)) {
                    return s;
                }
            }
            throw new UserException("unknown stage '" + label + "'", "use train (stage 1: the models) or evaluate (stage 2: defenses and evaluators)");
        }
    }

    /** A model of stage 1. */
    public enum ModelKind { CLEAN, BACKDOORED }

    /**
     * One model to train.
     *
     * @param cellId the cell of a backdoored model (null for a seed's clean model)
     * @param key    its model cache entry
     * @param cached whether the work folder's cache already holds it
     */
    public record TrainTask(int index, ModelKind kind, long seed, String cellId, String key, boolean cached) {
        public String describe() {
            return kind == ModelKind.CLEAN ? "clean model, seed " + seed : "backdoored model, " + cellId;
        }
    }

    /**
     * One defense in one cell, with all its evaluators.
     *
     * @param units the matrix's units it runs ({@link CellPlan.Unit#index})
     * @param done  whether the journal holds all of them
     */
    public record EvaluateTask(int index, String cellId, String defenseName, List<Integer> units, boolean done) {
        public EvaluateTask {
            units = List.copyOf(units);
        }

        public String describe() {
            return cellId + " " + defenseName;
        }
    }

    /** The tasks of {@code plan}; {@code cachedKeys} says which model entries exist. */
    static RunTasks of(String runId, MatrixPlan plan, java.util.function.LongFunction<String> cleanKey,
                       java.util.function.Function<CellPlan, String> backdooredKey, java.util.function.Predicate<String> cached) {
        List<TrainTask> train = new ArrayList<>();
        plan.cells().stream().mapToLong(CellPlan::seed).distinct().forEach(seed -> {
            String key = cleanKey.apply(seed);
            train.add(new TrainTask(train.size(), ModelKind.CLEAN, seed, null, key, cached.test(key)));
        });
        List<EvaluateTask> evaluate = new ArrayList<>();
        for (CellPlan cell : plan.cells()) {
            String key = backdooredKey.apply(cell);
            train.add(new TrainTask(train.size(), ModelKind.BACKDOORED, cell.seed(), cell.cellId(), key, cached.test(key)));
            for (String defense : new java.util.LinkedHashSet<>(cell.defenseNames())) {
                List<CellPlan.Unit> units = cell.units().stream().filter(u -> u.defenseName().equals(defense)).toList();
                evaluate.add(new EvaluateTask(evaluate.size(), cell.cellId(), defense, units.stream().map(CellPlan.Unit::index).toList(),
                        units.stream().allMatch(CellPlan.Unit::done)));
            }
        }
        return new RunTasks(runId, plan, train, evaluate);
    }

    /** How many tasks {@code stage} has. */
    public int size(Stage stage) {
        return stage == Stage.TRAIN ? train.size() : evaluate.size();
    }

    /** Checks that {@code index} is a task of {@code stage}, naming the range when not. */
    public void check(Stage stage, int index) {
        int n = size(stage);
        if (index < 0 || index >= n) {
            throw new UserException("stage " + stage.label() + " of run " + runId + " has no task " + index
                    + (n == 0 ? " (it has none)" : ": its tasks are numbered 0 to " + (n - 1)),
                    "purifybench plan lists the run's tasks");
        }
    }

    /** The indexes of the tasks of {@code stage} still to do (models not cached, units not journaled). */
    public List<Integer> pending(Stage stage) {
        return stage == Stage.TRAIN ? train.stream().filter(t -> !t.cached()).map(TrainTask::index).toList()
                : evaluate.stream().filter(t -> !t.done()).map(EvaluateTask::index).toList();
    }

    /** A task's description, for logs and status lines. */
    public String describe(Stage stage, int index) {
        check(stage, index);
        return stage == Stage.TRAIN ? train.get(index).describe() : evaluate.get(index).describe();
    }
}
