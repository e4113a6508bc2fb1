package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * One cell of a matrix (a seed, a poison rate and an attack) as a plan: its units (defense x
 * evaluator) in the order they run, which of them the journal already holds, and the models each
 * missing unit needs. A cell runs in four steps: prepare the attack, train the backdoored and clean
 * models, purify the defenses whose models a missing unit needs, evaluate the missing units; a
 * defense's model is kept only until the last unit that needs it has run.
 *
 * @param cellId the cell's id in results and the journal (dataset/arch/attack/rate/seed)
 * @param units  every unit of the cell, finished or not, in run order (defense, then evaluator, as the matrix lists them)
 */
public record CellPlan(String cellId, long seed, double rate, MatrixSpec.PluginRef attack, List<String> defenseNames,
                       List<Unit> units) {

    public CellPlan {
        defenseNames = List.copyOf(defenseNames);
        units = List.copyOf(units);
    }

    /**
     * A (cell, defense, evaluator) unit.
     *
     * @param index     its place among all units of the matrix (finished or not): stable while the matrix is unchanged
     * @param needs     the defenses whose models it uses: its own first, then those whose role its evaluator
     *                  declares it needs ({@link org.purifybench.spi.PluginDescriptor#needsRoles})
     * @param done      whether the journal holds it
     */
    public record Unit(int index, String cellId, MatrixSpec.PluginRef defense, String defenseName, MatrixSpec.PluginRef evaluator,
                       String evaluatorName, List<String> needs, boolean done) {
        public Unit {
            needs = List.copyOf(needs);
        }

        /** The unit's key in the journal. */
        public String journalKey() {
            return key(cellId, defense, evaluator.label());
        }

        static String key(String cellId, MatrixSpec.PluginRef defense, String evaluatorLabel) {
            return cellId + "|" + defense.label() + "|" + evaluatorLabel;
        }
    }

    /** The units the journal does not hold yet, in run order. */
    public List<Unit> missing() {
        return units.stream().filter(u -> !u.done()).toList();
    }

    /** This cell with only the units {@code selected} (by {@link Unit#index}) left to do: the others count as done. */
    public CellPlan only(IntPredicate selected) {
        List<Unit> kept = new ArrayList<>();
        for (Unit u : units) {
            kept.add(u.done() || selected.test(u.index()) ? u
                    : new Unit(u.index(), u.cellId(), u.defense(), u.defenseName(), u.evaluator(), u.evaluatorName(), u.needs(), true));
        }
        return new CellPlan(cellId, seed, rate, attack, defenseNames, kept);
    }

    /** The defenses whose models the missing units need, in the order they are first needed. */
    public Set<String> toPurify() {
        Set<String> names = new LinkedHashSet<>();
        missing().forEach(u -> names.addAll(u.needs()));
        return names;
    }

    /** For each defense a missing unit needs: the position (in {@link #missing()}) of the last unit that needs it. */
    public Map<String, Integer> lastUse() {
        Map<String, Integer> last = new LinkedHashMap<>();
        List<Unit> missing = missing();
        for (int i = 0; i < missing.size(); i++) {
            for (String d : missing.get(i).needs()) {
                last.put(d, i);
            }
        }
        return last;
    }

    /** The missing units of defense {@code defenseName}, in run order. */
    public List<Unit> missingOf(String defenseName) {
        return missing().stream().filter(u -> u.defenseName().equals(defenseName)).toList();
    }
}
