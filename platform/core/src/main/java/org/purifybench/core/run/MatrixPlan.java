package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.purifybench.core.UserException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;

/**
 * A matrix as a plan: its cells in run order (seed, poison rate, attack) and every (cell, defense,
 * evaluator) unit numbered across the matrix. The numbers depend on the matrix only, not on what the
 * journal holds, so a unit keeps its number while a run proceeds and can be run on its own
 * ({@link MatrixRunner#runUnits}) against a shared work folder.
 */
public record MatrixPlan(List<CellPlan> cells) {

    public MatrixPlan {
        cells = List.copyOf(cells);
    }

    /**
     * The plan of {@code spec}: a unit is done when {@code done} holds its journal key. Cells are named
     * {@code dataset/architecture/attack/rate/seed}.
     */
    public static MatrixPlan of(MatrixSpec spec, PluginRegistry registry, String dataset, String architecture, Predicate<String> done) {
        List<String> defenseNames = spec.defenses().stream().map(d -> MatrixRunner.displayName(d, spec.defenses())).toList();
        List<CellPlan> cells = new ArrayList<>();
        int index = 0;
        for (long seed : spec.seeds()) {
            for (double rate : spec.poisonRates()) {
                for (MatrixSpec.PluginRef attackRef : spec.attacks()) {
                    if (!attackRef.runsAt(rate)) {
                        continue;
                    }
                    String cellId = dataset + "/" + architecture + "/" + attackRef.label() + "/" + rate + "/seed" + seed;
                    List<CellPlan.Unit> units = new ArrayList<>();
                    for (int d = 0; d < spec.defenses().size(); d++) {
                        MatrixSpec.PluginRef defenseRef = spec.defenses().get(d);
                        for (MatrixSpec.PluginRef evalRef : spec.evaluators()) {
                            String key = CellPlan.Unit.key(cellId, defenseRef, evalRef.label());
                            units.add(new CellPlan.Unit(index++, cellId, defenseRef, defenseNames.get(d), evalRef,
                                    MatrixRunner.displayName(evalRef, spec.evaluators()),
                                    needs(spec, registry, defenseNames, defenseNames.get(d), evalRef), done.test(key)));
                        }
                    }
                    cells.add(new CellPlan(cellId, seed, rate, attackRef, defenseNames, units));
                }
            }
        }
        return new MatrixPlan(cells);
    }

    /**
     * The defenses whose models a unit uses: its own, then each other defense whose role the evaluator
     * declares it needs. An evaluator may still ask for a model it did not declare
     * ({@code purifiedModelOf}): it is then made when asked and kept for the rest of the cell.
     */
    private static List<String> needs(MatrixSpec spec, PluginRegistry registry, List<String> defenseNames, String own,
                                      MatrixSpec.PluginRef evalRef) {
        List<String> needs = new ArrayList<>(List.of(own));
        Set<Role> roles = registry.evaluator(evalRef.id()).needsRoles(evalRef.toParams());
        if (roles.isEmpty()) {
            return needs;
        }
        for (int d = 0; d < spec.defenses().size(); d++) {
            PluginDescriptor defense = registry.defense(spec.defenses().get(d).id()).descriptor();
            if (roles.contains(defense.role()) && !needs.contains(defenseNames.get(d))) {
                needs.add(defenseNames.get(d));
            }
        }
        return needs;
    }

    /** Every unit of the matrix, in run order ({@link CellPlan.Unit#index} is its place here). */
    public List<CellPlan.Unit> units() {
        return cells.stream().flatMap(c -> c.units().stream()).toList();
    }

    /** The unit numbered {@code index}; a number outside the matrix fails naming the range. */
    public CellPlan.Unit unit(int index) {
        List<CellPlan.Unit> all = units();
        if (index < 0 || index >= all.size()) {
            throw new UserException("unit " + index + " is not in the matrix: its units are numbered 0 to " + (all.size() - 1),
                    "choose a unit number from 0 to " + (all.size() - 1));
        }
        return all.get(index);
    }

    /** The units the journal does not hold yet. */
    public List<CellPlan.Unit> missing() {
        return units().stream().filter(u -> !u.done()).toList();
    }

    /** This plan with only the units {@code selected} (by index) left to do; cells without one are dropped. */
    public MatrixPlan only(IntPredicate selected) {
        return new MatrixPlan(cells.stream().map(c -> c.only(selected)).filter(c -> !c.missing().isEmpty()).toList());
    }

    /** One line per unit: index, state, cell, defense, evaluator and the other defenses' models it needs. */
    public List<String> listing() {
        List<String> lines = new ArrayList<>();
        for (CellPlan.Unit u : units()) {
            List<String> others = u.needs().subList(1, u.needs().size());
            lines.add(String.format(Locale.ROOT, "%d\t%s\t%s\t%s\t%s%s", u.index(), u.done() ? "done" : "missing", u.cellId(),
                    u.defenseName(), u.evaluatorName(), others.isEmpty() ? "" : "\tneeds " + String.join(",", others)));
        }
        return lines;
    }
}
