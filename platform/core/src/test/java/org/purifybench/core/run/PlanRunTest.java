package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Progress;
import org.purifybench.spi.Trainer;

/**
 * The runner executes the plan: a failing defense or evaluator fails its units only (recorded, the
 * run goes on), a declared need is purified before the unit that needs it, and one unit can be run
 * on its own against a shared work folder.
 */
class PlanRunTest {
    static final String SPEC = """
            name: plan-run
            dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}
            splits: {tuningFraction: 0.2, validationFraction: 0.1, retuningPoolSize: 20}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: corner}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: DEFENSES
            evaluators: EVALUATORS
            seeds: [0]
            """;
    static final Dataset DATA = SyntheticImages.generate(new ImageShape(1, 12, 12), 4, 300, 80, 11);

    private static MatrixSpec spec(Path dir, String defenses, String evaluators) throws Exception {
        return MatrixSpec.load(Files.writeString(dir.resolve("plan-run.yaml"),
                SPEC.replace("DEFENSES", defenses).replace("EVALUATORS", evaluators)));
    }

    @Test
    void aBuiltInDefenseThatThrowsFailsAllItsUnitsOnceAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir, "[{id: none}, {id: explode}, {id: oracle}]", "[{id: probe}, {id: uses-oracle}]");
        List<String> log = Collections.synchronizedList(new ArrayList<>());

        MatrixRunner.UnitsFailedException e = assertThrows(MatrixRunner.UnitsFailedException.class,
                () -> new MatrixRunner(registry, host(log), dir.resolve("work")).run(spec, DATA, false));
        assertTrue(e.getMessage().startsWith("1 unit(s) of the matrix failed"), e.getMessage());
        assertEquals(1, PlanPlugins.EXPLOSIONS.get(), "a failed defense is tried once per cell, however many units need it");

        ResultsDocument doc = ResultsIO.read(e.outcome().resultsFile());
        assertEquals(1, doc.getFailures().size(), doc.getFailures().toString());
        FailedUnit failed = doc.getFailures().get(0);
        assertEquals("explode", failed.defense());
        assertEquals(null, failed.evaluator(), "the defense failed: none of its evaluators ran");
        assertEquals(FailedUnit.Status.ERROR, failed.status());
        assertEquals("defense 'explode' threw java.lang.IllegalStateException: explode refuses to purify", failed.reason());
        assertTrue(failed.logTail().contains("explode: about to fail"), failed.logTail().toString());
        assertEquals(List.of("none|probe", "none|uses-oracle", "oracle|probe", "oracle|uses-oracle"),
                doc.getRows().stream().map(r -> r.defense() + "|" + r.evaluator()).distinct().toList(), "the other defenses' units ran");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("failed ") && l.contains("|explode|* (error)")), String.join("\n", log));
    }

    @Test
    void anEvaluatorThatThrowsFailsOnlyItsUnits(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir, "[{id: none}, {id: oracle}]", "[{id: broken}, {id: probe}]");

        MatrixRunner.UnitsFailedException e = assertThrows(MatrixRunner.UnitsFailedException.class,
                () -> new MatrixRunner(registry, host(new ArrayList<>()), dir.resolve("work")).run(spec, DATA, false));
        ResultsDocument doc = ResultsIO.read(e.outcome().resultsFile());
        Map<String, FailedUnit> byUnit = doc.getFailures().stream().collect(Collectors.toMap(f -> f.defense() + "|" + f.evaluator(), f -> f));
        assertEquals(java.util.Set.of("none|broken", "oracle|broken"), byUnit.keySet());
        assertEquals("evaluator 'broken' threw java.lang.IllegalArgumentException: broken on purpose for oracle",
                byUnit.get("oracle|broken").reason());
        assertTrue(byUnit.get("none|broken").logTail().stream().anyMatch(l -> l.contains("at " + PlanPlugins.Broken.class.getName())),
                "with the evaluator's stack: " + byUnit.get("none|broken").logTail());
        assertEquals(List.of("none|probe", "oracle|probe"), doc.getRows().stream().map(r -> r.defense() + "|" + r.evaluator()).toList(),
                "the evaluator after the failing one still ran for each defense");
        assertEquals(2, e.outcome().unitsComputed());
    }

    @Test
    void aDeclaredNeedIsPurifiedBeforeTheUnitThatNeedsItAndOnlyOnce(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir, "[{id: none}, {id: oracle}]", "[{id: uses-oracle}]");
        MatrixRunner.Outcome o = new MatrixRunner(registry, host(new ArrayList<>()), dir.resolve("work")).run(spec, DATA, false);
        assertEquals(List.of(1, 1), PlanPlugins.ORACLE_RUNS_SEEN, "the oracle ran before none's unit asked for its model, and once");
        assertEquals(2, o.unitsComputed());
    }

    @Test
    void oneUnitRunsOnItsOwnAndAFullRunThenDoesTheRest(@TempDir Path dir) throws Exception {
        PlanPlugins.reset();
        PluginRegistry registry = PlanPlugins.registry(dir.resolve("plugins"));
        MatrixSpec spec = spec(dir, "[{id: none}, {id: oracle}]", "[{id: probe}, {id: uses-oracle}]");
        Path work = dir.resolve("work");
        MatrixRunner runner = new MatrixRunner(registry, host(new ArrayList<>()), work);
        MatrixPlan plan = runner.plan(spec, DATA);
        CellPlan.Unit unit = plan.units().get(1);
        assertEquals("none|uses-oracle", unit.defenseName() + "|" + unit.evaluatorName());

        MatrixRunner.Outcome one = runner.runUnits(spec, DATA, i -> i == unit.index());
        assertEquals(1, one.unitsComputed());
        assertEquals(List.of("none|uses-oracle"), one.document().getRows().stream().map(r -> r.defense() + "|" + r.evaluator()).toList());
        assertEquals(List.of(unit.index()), runner.plan(spec, DATA).units().stream().filter(CellPlan.Unit::done).map(CellPlan.Unit::index).toList(),
                "the journal of the shared work folder holds it");
        assertEquals(1, PlanPlugins.ORACLE_RUNS.get(), "the oracle's model it needs was made");

        MatrixRunner.Outcome rest = new MatrixRunner(registry, host(new ArrayList<>()), work).run(spec, DATA, false);
        assertEquals(3, rest.unitsComputed());
        assertEquals(1, rest.unitsReused());
        assertEquals(1, PlanPlugins.ORACLE_RUNS.get(), "the oracle's model came from the shared cache");
        assertEquals(4, rest.document().getRows().size());
    }

    private static Host host(List<String> log) {
        DefaultHost quiet = DefaultHost.quiet();
        return new Host() {
            @Override
            public Trainer trainer() {
                return quiet.trainer();
            }

            @Override
            public Progress progress(String phase, long total) {
                return quiet.progress(phase, total);
            }

            @Override
            public void log(String message) {
                log.add(message);
            }
        };
    }
}
