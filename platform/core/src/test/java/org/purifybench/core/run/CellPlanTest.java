package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.plugin.PluginRegistry;

/** The plan of a matrix, computed from the spec and the journal alone: nothing is trained. */
class CellPlanTest {
    static final String SPEC = """
            name: plan
            dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}
            splits: {tuningFraction: 0.2, validationFraction: 0.1, retuningPoolSize: 20}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: corner}]
            poisonRates: [0.1, 0.2]
            targetLabel: 0
            defenses: [{id: none}, {id: oracle}, {id: explode}]
            evaluators: [{id: probe}, {id: uses-oracle}]
            seeds: [0]
            """;

    private static MatrixPlan plan(Path dir, Set<String> done) throws Exception {
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = MatrixSpec.load(Files.writeString(dir.resolve("plan.yaml"), SPEC));
        return MatrixPlan.of(spec, registry, "synthetic", "cnn-small", done::contains);
    }

    @Test
    void unitsAreNumberedAcrossTheMatrixInRunOrderWhateverTheJournalHolds(@TempDir Path dir) throws Exception {
        String cell = "synthetic/cnn-small/corner/0.1/seed0";
        MatrixPlan fresh = plan(dir, Set.of());
        MatrixPlan resumed = plan(dir, Set.of(cell + "|none|probe", cell + "|oracle|uses-oracle"));

        assertEquals(List.of(cell, "synthetic/cnn-small/corner/0.2/seed0"), fresh.cells().stream().map(CellPlan::cellId).toList());
        assertEquals(12, fresh.units().size());
        List<String> order = fresh.cells().get(0).units().stream().map(u -> u.index() + " " + u.defenseName() + "|" + u.evaluatorName()).toList();
        assertEquals(List.of("0 none|probe", "1 none|uses-oracle", "2 oracle|probe", "3 oracle|uses-oracle", "4 explode|probe",
                "5 explode|uses-oracle"), order);
        assertEquals(fresh.units().stream().map(CellPlan.Unit::index).toList(), resumed.units().stream().map(CellPlan.Unit::index).toList(),
                "a unit keeps its number as the journal fills");
        assertEquals(10, resumed.missing().size());
        assertFalse(resumed.missing().stream().anyMatch(u -> u.index() == 0 || u.index() == 3), "the journal's units are not missing");
        assertEquals(cell + "|oracle|uses-oracle", resumed.units().get(3).journalKey());
        assertEquals("3\tdone\t" + cell + "\toracle\tuses-oracle", resumed.listing().get(3));
        assertEquals("5\tmissing\t" + cell + "\texplode\tuses-oracle\tneeds oracle", resumed.listing().get(5));
        assertEquals(resumed.units().get(7), resumed.unit(7));
        org.purifybench.core.UserException e = org.junit.jupiter.api.Assertions.assertThrows(org.purifybench.core.UserException.class,
                () -> resumed.unit(12));
        assertTrue(e.getMessage().contains("unit 12 is not in the matrix: its units are numbered 0 to 11"), e.getMessage());
    }

    @Test
    void anEvaluatorsDeclaredRolesAddThoseDefensesModelsAndKeepThemUntilTheirLastUse(@TempDir Path dir) throws Exception {
        CellPlan cell = plan(dir, Set.of()).cells().get(0);
        Map<String, List<String>> needs = new java.util.LinkedHashMap<>();
        cell.units().forEach(u -> needs.put(u.defenseName() + "|" + u.evaluatorName(), u.needs()));
        assertEquals(List.of("none"), needs.get("none|probe"));
        assertEquals(List.of("none", "oracle"), needs.get("none|uses-oracle"), "the oracle's model, by its role");
        assertEquals(List.of("oracle"), needs.get("oracle|uses-oracle"), "its own model once");
        assertEquals(List.of("explode", "oracle"), needs.get("explode|uses-oracle"));

        assertEquals(List.of("none", "oracle", "explode"), List.copyOf(cell.toPurify()));
        assertEquals(Map.of("none", 1, "oracle", 5, "explode", 5), cell.lastUse(), "the oracle is kept until the last unit that needs it");
    }

    @Test
    void onlyTheSelectedUnitsAreLeftToDoAndOnlyTheModelsTheyNeedArePurified(@TempDir Path dir) throws Exception {
        MatrixPlan plan = plan(dir, Set.of());
        MatrixPlan one = plan.only(i -> i == 1);
        assertEquals(1, one.cells().size(), "a cell without a selected unit is left out");
        assertEquals(List.of(1), one.missing().stream().map(CellPlan.Unit::index).toList());
        assertEquals(6, one.cells().get(0).units().size(), "the others still listed, as done");
        assertEquals(List.of("none", "oracle"), List.copyOf(one.cells().get(0).toPurify()));

        CellPlan cell = plan.cells().get(1).only(i -> i == 11);
        assertEquals(List.of("explode", "oracle"), List.copyOf(cell.toPurify()));
        assertTrue(plan.cells().get(1).only(i -> false).missing().isEmpty());
    }
}
