package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SplitConfig;
import org.purifybench.core.data.Splits;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Params;

/** The pass counts of small hand-written matrices against the hand computation (class comment of {@link CostEstimate}). */
class CostEstimateTest {

    private static final String SPEC = """
            name: cost
            dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}
            splits: {tuningFraction: 0.1, validationFraction: 0.05, retuningPoolSize: 100}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 4, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: badnet}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: DEFENSES
            evaluators: EVALUATORS
            seeds: [0, 1]
            """;

    /** 2000 training images: tuning 200, validation 100, pool 100, attacker 1600; 500 test images. */
    private static final CostEstimate.Sizes SIZES = CostEstimate.Sizes.of(new SplitConfig(0.1, 0.05, 100, 0), 2000, 500, 0, false);

    /** Parameters as written (these matrices state every parameter a rule reads). */
    private static final CostEstimate.Bindings AS_WRITTEN = new CostEstimate.Bindings() {
        @Override
        public Params defense(MatrixSpec.PluginRef ref, String attackId) {
            return ref.toParams();
        }

        @Override
        public Params evaluator(MatrixSpec.PluginRef ref, String attackId) {
            return ref.toParams();
        }
    };

    private static MatrixSpec spec(String defenses, String evaluators) throws Exception {
        String yaml = SPEC.replace("DEFENSES", defenses).replace("EVALUATORS", evaluators);
        return MatrixSpec.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "cost");
    }

    /**
     * The tasks of {@code spec} as {@link MatrixPlan#of} numbers them (built here without a plug-in registry);
     * {@code done} holds journaled unit keys, {@code cached} model keys ("clean/SEED", "backdoored/SEED").
     */
    private static RunTasks tasks(MatrixSpec spec, Set<String> done, Set<String> cached) {
        List<CellPlan> cells = new ArrayList<>();
        List<String> names = spec.defenses().stream().map(d -> MatrixRunner.displayName(d, spec.defenses())).toList();
        int index = 0;
        for (long seed : spec.seeds()) {
            MatrixSpec.PluginRef attack = spec.attacks().get(0);
            String cellId = "synthetic/cnn-small/badnet/0.1/seed" + seed;
            List<CellPlan.Unit> units = new ArrayList<>();
            for (int d = 0; d < spec.defenses().size(); d++) {
                for (MatrixSpec.PluginRef e : spec.evaluators()) {
                    MatrixSpec.PluginRef def = spec.defenses().get(d);
                    units.add(new CellPlan.Unit(index++, cellId, def, names.get(d), e, MatrixRunner.displayName(e, spec.evaluators()),
                            List.of(names.get(d)), done.contains(CellPlan.Unit.key(cellId, def, e.label()))));
                }
            }
            cells.add(new CellPlan(cellId, seed, 0.1, attack, names, units));
        }
        Predicate<String> isCached = cached::contains;
        return RunTasks.of("cost-0", new MatrixPlan(cells), seed -> "clean/" + seed, cell -> "backdoored/" + cell.seed(), isCached);
    }

    private static CostEstimate.Row row(CostEstimate e, String name) {
        return e.rows().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + e.rows()));
    }

    @Test
    void theSizesAreThoseSplitsMakeCuts() {
        Dataset d = SyntheticImages.generate(new ImageShape(1, 8, 8), 4, 2000, 500, 3);
        for (SplitConfig c : List.of(new SplitConfig(0.1, 0.05, 100, 0), new SplitConfig(0.05, 0.02, 37, 900))) {
            Splits s = Splits.make(d, c, 0);
            CostEstimate.Sizes sizes = CostEstimate.Sizes.of(c, 2000, 500, 0, false);
            assertEquals(List.of(s.attackerTrain().size(), s.tuning().size(), s.validation().size(), s.retuningPool().size(), s.test().size()),
                    List.of(sizes.attackerTrain(), sizes.tuning(), sizes.validation(), sizes.retuningPool(), sizes.test()), c.toString());
        }
        assertEquals(120, CostEstimate.Sizes.of(SplitConfig.defaults(), 2000, 500, 120, false).test(), "testLimit caps the test set");
    }

    @Test
    void twoSeedsOneAttackTwoDefensesCountAsByHand() throws Exception {
        MatrixSpec spec = spec("[{id: ft, params: {epochs: 3}}, {id: ep, params: {epochs: 2}}]", "[{id: accuracy}]");
        CostEstimate e = CostEstimate.of(spec, tasks(spec, Set.of(), Set.of()), AS_WRITTEN, SIZES);
        // models: 2 clean + 2 backdoored, each 4 epochs x 1600 attacker images
        assertEquals(2 * 4 * 1600, row(e, "clean models").passes().train());
        assertEquals(2 * 4 * 1600, row(e, "backdoored models").passes().train());
        assertEquals(4 * 4 * 1600, e.total(CostEstimate.Stage.MODELS).train());
        // defenses per cell: ft 3 x 200 tuning, ep 2 x 200; 2 cells
        assertEquals(new CostEstimate.Passes(2 * 3 * 200, 0, 0), row(e, "ft").passes());
        assertEquals(new CostEstimate.Passes(2 * 2 * 200, 0, 0), row(e, "ep").passes());
        assertEquals(2, row(e, "ft").count());
        // accuracy: 2 x 500 test images per unit, 4 units
        assertEquals(new CostEstimate.Passes(0, 0, 4 * 2 * 500), e.total(CostEstimate.Stage.EVALUATORS));
        assertEquals(new CostEstimate.Passes(25_600 + 2_000, 0, 4_000), e.total());
        assertEquals(new CostEstimate.Done(0, 4, 0, 4, 0, 4), e.done());
        assertTrue(e.notEstimated().isEmpty(), e.notEstimated().toString());
    }

    @Test
    void cachedModelsAndJournaledUnitsAreLeftOutAndCounted() throws Exception {
        MatrixSpec spec = spec("[{id: ft, params: {epochs: 3}}, {id: ep, params: {epochs: 2}}]", "[{id: accuracy}]");
        MatrixSpec.PluginRef ep = spec.defenses().get(1);
        String doneUnit = CellPlan.Unit.key("synthetic/cnn-small/badnet/0.1/seed1", ep, "accuracy");
        CostEstimate e = CostEstimate.of(spec, tasks(spec, Set.of(doneUnit), Set.of("clean/0")), AS_WRITTEN, SIZES);
        assertEquals(1 * 4 * 1600, row(e, "clean models").passes().train());
        assertEquals(2 * 4 * 1600, row(e, "backdoored models").passes().train());
        assertEquals(1, row(e, "ep").count(), "seed 1's ep task is done");
        assertEquals(2 * 200, row(e, "ep").passes().train());
        assertEquals(2 * 3 * 200, row(e, "ft").passes().train());
        assertEquals(3 * 2 * 500, e.total(CostEstimate.Stage.EVALUATORS).inference());
        assertEquals(new CostEstimate.Done(1, 4, 1, 4, 1, 4), e.done());
        assertTrue(String.join("\n", e.table(null)).contains("1 of 4 models cached, 1 of 4 defense tasks and 1 of 4 units journaled"),
                String.join("\n", e.table(null)));
    }

    @Test
    void anUnknownDefenseIsEstimatedFromItsEpochsOrReportedAsNotEstimated() throws Exception {
        MatrixSpec spec = spec("[{id: third-party, params: {epochs: 7}}, {id: mystery, params: {strength: 3}}]",
                "[{id: accuracy}, {id: my-metric}]");
        CostEstimate e = CostEstimate.of(spec, tasks(spec, Set.of(), Set.of()), AS_WRITTEN, SIZES);
        assertEquals(2 * 7 * 200, row(e, "third-party").passes().train());
        assertTrue(e.rows().stream().noneMatch(r -> r.name().equals("mystery") || r.name().equals("my-metric")), e.rows().toString());
        assertEquals(List.of(new CostEstimate.NotEstimated(CostEstimate.Stage.DEFENSES, "mystery", 2,
                        "no rule for defense 'mystery' and no epochs parameter"),
                new CostEstimate.NotEstimated(CostEstimate.Stage.EVALUATORS, "my-metric", 4, "no rule for evaluator 'my-metric'")),
                e.notEstimated());
        String table = String.join("\n", e.table(null));
        assertTrue(table.contains("not estimated: defenses mystery (2x): no rule for defense 'mystery'"), table);
    }

    @Test
    void theRuleTableOfTheOtherDefensesAndEvaluators() throws Exception {
        MatrixSpec spec = spec("""
                [{id: none}, {id: clean}, {id: fst, params: {epochs: 2, samples: 150}}, {id: ft-sam, params: {epochs: 2}},
                 {id: bti-dbf, params: {rounds: 2, epochs: 3, mask-epochs: 1, generator-epochs: 2, refine-epochs: 1}},
                 {id: pam, params: {rounds: 2, epochs: 3, mask-epochs: 1, generator-epochs: 2, refine-epochs: 1}},
                 {id: anp, params: {iterations: 10, batch-size: 16}}, {id: i-bau, params: {rounds: 2}}, {id: ep, params: {epochs: 1}}]""",
                """
                [{id: ra, params: {samples: 50, epochs: 2}}, {id: lmc, params: {points: 5, test-samples: 100}},
                 {id: qra, params: {epochs: 2, clean-samples: 10, poisoned-samples: 10, ra-epochs: 1, ra-samples: 30, test-samples: 40}},
                 {id: qra-transfer, params: {epochs: 2, clean-samples: 10, poisoned-samples: 10, ra-epochs: 1, ra-samples: 30, test-samples: 40}}]""");
        CostEstimate e = CostEstimate.of(spec, tasks(spec.withSeeds(List.of(0L)), Set.of(), Set.of()), AS_WRITTEN, SIZES);
        assertEquals(CostEstimate.Passes.ZERO, row(e, "none").passes());
        assertEquals(CostEstimate.Passes.ZERO, row(e, "clean").passes());
        assertEquals(2 * 150, row(e, "fst").passes().train());
        assertEquals(2 * 2 * 200, row(e, "ft-sam").passes().train());
        assertEquals(new CostEstimate.Passes(2 * 3 * 200, 2 * 4 * 200, 0), row(e, "bti-dbf").passes());
        assertEquals(new CostEstimate.Passes(2 * 2 * 3 * 200, 2 * 4 * 200, 0), row(e, "pam").passes());
        assertEquals(2 * 10 * 16, row(e, "anp").passes().train());
        assertEquals(CostEstimate.IBAU_PASSES_PER_IMAGE * 2 * 200, row(e, "i-bau").passes().train());
        int defenses = 9;
        // ra: 2 x 50 per model and 3 x 500 inference, plus the clean-model control once (2 x 50, 2 x 500)
        assertEquals(new CostEstimate.Passes(defenses * 100 + 100, 0, defenses * 1500 + 1000), row(e, "ra").passes());
        // lmc: ep in the matrix, so 2 paths x 5 points x 2 x 100 test images + 2 x 3 interior points x 100 pool images
        assertEquals(new CostEstimate.Passes(0, 0, defenses * (2 * 5 * 2 * 100 + 2 * 3 * 100)), row(e, "lmc").passes());
        // qra: 3 x 2 epochs x 20 samples + RA 1 x 30; qra-transfer of equal settings shares the generator: RA only
        assertEquals(new CostEstimate.Passes(defenses * (3 * 2 * 20 + 30), 0, defenses * 2 * 40), row(e, "qra").passes());
        assertEquals(new CostEstimate.Passes(defenses * 30, 0, defenses * 2 * 40), row(e, "qra-transfer").passes());
    }

    @Test
    void hoursArePassesOverTheThroughput() throws Exception {
        MatrixSpec spec = spec("[{id: ft, params: {epochs: 3}}]", "[{id: accuracy}]");
        CostEstimate e = CostEstimate.of(spec, tasks(spec, Set.of(), Set.of()), AS_WRITTEN, SIZES);
        CostEstimate.Rates rates = new CostEstimate.Rates(100, 1000, 32, "nd4j", "cpu", "given");
        CostEstimate.Passes total = e.total();
        assertEquals((total.train() + total.inversion()) / 100.0 / 3600 + total.inference() / 1000.0 / 3600,
                CostEstimate.hours(total, rates), 1e-12);
        assertEquals((4 * 4 * 1600 + 2 * 3 * 200) / 100.0 / 3600 + 2 * 2 * 500 / 1000.0 / 3600, CostEstimate.hours(total, rates), 1e-12);
        Map<String, Object> json = e.toJson(rates);
        assertEquals(CostEstimate.hours(total, rates), (double) json.get("hours"), 1e-12);
        assertTrue(String.join("\n", e.table(rates)).contains("hours on nd4j cpu (given: 100 train img/s, 1000 inference img/s, batch 32)"),
                String.join("\n", e.table(rates)));
    }
}
