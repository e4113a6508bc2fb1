package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Progress;
import org.purifybench.spi.Trainer;

/** End-to-end runs of the real plug-ins on a tiny synthetic matrix: completeness, resume, cache. */
class MatrixRunnerTest {
    static final String TINY = """
            name: tiny
            dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}
            splits: {tuningFraction: 0.1, validationFraction: 0.05, retuningPoolSize: 80}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 2, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: badnet}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]
            evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}, {id: lmc, params: {points: 3}}]
            seeds: [0]
            """;
    static final Dataset DATA = SyntheticImages.generate(new ImageShape(1, 12, 12), 4, 500, 120, 5);

    static MatrixSpec tiny() throws Exception {
        var m = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        m.setAccessible(true);
        return (MatrixSpec) m.invoke(null, new ByteArrayInputStream(TINY.getBytes(StandardCharsets.UTF_8)), "tiny");
    }

    private static List<ResultRow> sorted(List<ResultRow> rows) {
        List<ResultRow> r = new ArrayList<>(rows);
        r.sort(java.util.Comparator.comparing(x -> x.defense() + x.evaluator() + x.metric()));
        return r;
    }

    @Test
    void defenseDiagnosticsAreJournaledComparedWithTheAttacksTargetAndSurviveTheCache(@TempDir Path work) throws Exception {
        String yaml = TINY.replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]",
                        "defenses: [{id: none}, {id: pam, params: {rho: 0.5, rounds: 1, epochs: 1, mask-epochs: 2, generator-epochs: 1,"
                                + " refine-epochs: 1}}, {id: fst, params: {epochs: 1, alpha-grid: '0.1,0', cacc-budget: 1.0}}]")
                .replace(", {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}, {id: lmc, params: {points: 3}}]", "]");
        var parse = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        parse.setAccessible(true);
        MatrixSpec spec = (MatrixSpec) parse.invoke(null, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "tiny-diag");
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        Host logging = new Host() {
            private final Host quiet = DefaultHost.quiet();

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
        MatrixRunner.Outcome first = new MatrixRunner(PluginRegistry.fromClasspath(), logging, work).run(spec, DATA, false);
        List<ResultRow> diag = first.document().getRows().stream().filter(r -> r.evaluator().equals(MatrixRunner.DIAGNOSTICS)).toList();
        java.util.Map<String, Double> pam = new java.util.TreeMap<>();
        java.util.Map<String, Double> fst = new java.util.TreeMap<>();
        diag.forEach(r -> (r.defense().equals("pam") ? pam : fst).put(r.metric(), r.value()));
        assertEquals(java.util.Set.of("inverted-target", "inverted-target-share", "inverted-target-correct", "rho"), pam.keySet());
        assertEquals(0.5, pam.get("rho"));
        assertEquals(pam.get("inverted-target") == 0 ? 1.0 : 0.0, pam.get("inverted-target-correct"), "compared with target 0");
        assertEquals(java.util.Map.of("alpha", 0.1), fst, "any budget fits: the largest alpha of the grid");
        assertTrue(log.stream().anyMatch(l -> l.contains("trigger inversion inferred target") && l.contains("the attack's target is 0")), "logged");
        // A second run in a fresh run folder takes every model from the cache and still reports them.
        MatrixRunner.Outcome again = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(spec, DATA, true);
        List<ResultRow> diagAgain = again.document().getRows().stream().filter(r -> r.evaluator().equals(MatrixRunner.DIAGNOSTICS)).toList();
        assertEquals(sorted(diag), sorted(diagAgain));
    }

    @Test
    void cellsRunInParallelGiveTheSameNumbersAsOneAtATime(@TempDir Path work) throws Exception {
        String yaml = TINY.replace("attacks: [{id: badnet}]", "attacks: [{id: badnet}, {id: blended}]")
                .replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]",
                        "defenses: [{id: none}, {id: ft, params: {epochs: 1}}]")
                .replace(", {id: lmc, params: {points: 3}}]", "]")
                .replace("seeds: [0]", "seeds: [0, 1]");
        var parse = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        parse.setAccessible(true);
        MatrixSpec spec = (MatrixSpec) parse.invoke(null, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "tiny-cells");
        MatrixRunner.Outcome serial = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work.resolve("serial"))
                .run(spec, DATA, false);
        MatrixRunner.Outcome parallel = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work.resolve("parallel"))
                .parallelCells(3).run(spec, DATA, false);
        assertEquals(16, serial.unitsComputed(), "2 attacks x 2 seeds x 2 defenses x 2 evaluators");
        assertEquals(16, parallel.unitsComputed());
        java.util.Comparator<ResultRow> order = java.util.Comparator.comparing(x -> x.cellId() + x.defense() + x.evaluator() + x.metric());
        List<ResultRow> a = new ArrayList<>(serial.document().getRows());
        List<ResultRow> b = new ArrayList<>(parallel.document().getRows());
        a.sort(order);
        b.sort(order);
        assertEquals(a, b, "every number equal, cell by cell");
        assertEquals(serial.document().getCells(), parallel.document().getCells(), "cells listed in matrix order");
        assertTrue(a.stream().anyMatch(r -> r.metric().equals("asr") && r.defense().equals("none") && r.value() > 0.5),
                "the backdoors must work for the comparison to mean anything");
        assertThrows(org.purifybench.core.UserException.class, () -> new MatrixRunner(PluginRegistry.fromClasspath(),
                DefaultHost.quiet(), work).parallelCells(0));
    }

    @Test
    void completeRunThenResumeAfterTornJournalAndAfterACrash(@TempDir Path work) throws Exception {
        MatrixSpec spec = tiny();
        MatrixRunner runner = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work);
        MatrixRunner.Outcome first = runner.run(spec, DATA, false);
        assertEquals(12, first.unitsComputed(), "4 defenses x 3 evaluators");
        assertEquals(4 * 3 + 4 * 5 + 4 * 2, first.document().getRows().size());
        assertEquals(4 * 2 + 3 * 2, first.document().getCurves().size(),
                "two LMC curves per defense, two more to EP for each defense but EP");
        assertTrue(Files.exists(first.resultsFile()));
        assertValidAgainstSchema(first.resultsFile());
        var ep = first.document().getPlugins().stream().filter(p -> p.id().equals("ep")).findFirst().orElseThrow();
        assertTrue(ep.description() != null && !ep.description().isBlank() && ep.paper() != null,
                "the descriptor's description and paper reach the results, for the leaderboard's defense page: " + ep);
        double noneAsr = first.document().getRows().stream()
                .filter(r -> r.defense().equals("none") && r.metric().equals("asr")).findFirst().orElseThrow().value();
        assertTrue(noneAsr > 0.5, "the tiny backdoor must work for the test to mean anything: ASR " + noneAsr);
        // Rows carry plug-in ids, so the paper table finds every O- and P-Robustness value.
        String table = org.purifybench.core.results.ReportWriter.paperTable(first.document(), DATA.name(), "cnn-small", 0.1);
        assertTrue(table.contains("P-Robustness") && !table.contains("–"), table);
        var prov = first.document().getProvenance();
        double phases = prov.phaseSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
        assertTrue(phases <= prov.wallTimeSeconds() + 1e-6, "phases are charged exclusively: " + prov.phaseSeconds());
        assertTrue(prov.phaseSeconds().keySet().containsAll(java.util.List.of("backdoor-training", "defenses", "evaluators")));

        // 1. The process died while writing: drop the last two units and leave a torn line.
        Path journal = first.runDir().resolve("journal.jsonl");
        List<String> lines = Files.readAllLines(journal);
        Files.write(journal, lines.subList(0, lines.size() - 2));
        Files.writeString(journal, "{\"unit\":\"torn", java.nio.file.StandardOpenOption.APPEND);
        MatrixRunner.Outcome resumed = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(spec, DATA, false);
        assertEquals(2, resumed.unitsComputed());
        assertEquals(10, resumed.unitsReused());
        assertEquals(sorted(first.document().getRows()), sorted(resumed.document().getRows()), "resumed results equal the uninterrupted run");

        // 2. A crash in the middle of a defense's training: models already cached are reused.
        Path work2 = work.resolve("second");
        AtomicLong steps = new AtomicLong();
        Host crashing = new CrashAfter(DefaultHost.quiet(), "defense ep", steps);
        assertThrows(SimulatedKill.class, () -> new MatrixRunner(PluginRegistry.fromClasspath(), crashing, work2).run(spec, DATA, false));
        long cached = Files.list(work2.resolve("cache")).count();
        assertTrue(cached >= 3, "clean, backdoored and finished purified models survive the crash: " + cached);
        MatrixRunner.Outcome after = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work2).run(spec, DATA, false);
        assertTrue(after.unitsReused() > 0 && after.unitsComputed() < 12, "reused " + after.unitsReused());
        assertEquals(sorted(first.document().getRows()), sorted(after.document().getRows()), "same seed, same numbers after a crash");
    }

    static final String QRA_PARAMS = "epochs: 2, hidden: 16, batch-size: 20, clean-samples: 20, poisoned-samples: 20, "
            + "ra-samples: 60, ra-epochs: 1, poison-count: 3";
    static final String TINY_QRA = TINY
            .replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]",
                    "defenses: [{id: none}, {id: ep, params: {epochs: 1}}, {id: ft, params: {epochs: 1}}]")
            .replace("evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}, {id: lmc, params: {points: 3}}]",
                    "evaluators: [{id: accuracy}, {id: qra, params: {" + QRA_PARAMS + "}}, {id: qra-transfer, params: {" + QRA_PARAMS + "}}]");

    @Test
    void qraAndItsTransferShareOneGeneratorPerDefenseAndFillTheReportFigures(@TempDir Path work) throws Exception {
        var m = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        m.setAccessible(true);
        MatrixSpec spec = (MatrixSpec) m.invoke(null, new ByteArrayInputStream(TINY_QRA.getBytes(StandardCharsets.UTF_8)), "tiny-qra");
        List<String> logs = java.util.Collections.synchronizedList(new ArrayList<>());
        Host recording = new Recording(DefaultHost.quiet(), logs);
        MatrixRunner.Outcome run = new MatrixRunner(PluginRegistry.fromClasspath(), recording, work).run(spec, DATA, false);
        assertEquals(List.of("QRA vs ep", "QRA vs ft"), logs.stream().filter(l -> l.startsWith("QRA vs "))
                .map(l -> l.substring(0, l.indexOf(':'))).sorted().toList(), "one generator per attacked defense, shared");
        List<ResultRow> rows = run.document().getRows();
        assertEquals(2 * 5, rows.stream().filter(r -> r.evaluator().equals("qra")).count(), "qra skips the reference none");
        assertEquals(3 * 2 * 2, rows.stream().filter(r -> r.evaluator().equals("qra-transfer")).count(),
                "3 targets x 2 sources x {c, p}");
        for (String d : List.of("ep", "ft")) {
            assertEquals(value(rows, d, "qra", "p-asr"), value(rows, d, "qra-transfer", "p-asr-from:" + d), "diagonal = qra");
        }
        assertValidAgainstSchema(run.resultsFile());
        org.purifybench.core.results.ReportWriter.write(run.document(), run.runDir());
        assertTrue(Files.size(run.runDir().resolve("figures/qra-synthetic-cnn-small-10pct.png")) > 1000);
        assertTrue(Files.size(run.runDir().resolve("figures/qra-transfer-synthetic-cnn-small-10pct.svg")) > 1000);
    }

    private static double value(List<ResultRow> rows, String defense, String evaluator, String metric) {
        return rows.stream().filter(r -> r.defense().equals(defense) && r.evaluator().equals(evaluator) && r.metric().equals(metric))
                .findFirst().orElseThrow(() -> new AssertionError("no " + evaluator + "/" + metric + " for " + defense)).value();
    }

    /** A host that keeps every log line. */
    record Recording(Host delegate, List<String> logs) implements Host {
        @Override
        public Trainer trainer() {
            return new org.purifybench.core.train.SgdTrainer(this);
        }

        @Override
        public Progress progress(String name, long total) {
            return delegate.progress(name, total);
        }

        @Override
        public void log(String message) {
            logs.add(message);
        }
    }

    /** The document a real run writes satisfies the published schema. */
    static void assertValidAgainstSchema(Path results) throws Exception {
        var factory = com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V202012);
        try (var in = MatrixRunnerTest.class.getResourceAsStream("/results-schema.json")) {
            var schema = factory.getSchema(in);
            var errors = schema.validate(new com.fasterxml.jackson.databind.ObjectMapper().readTree(results.toFile()));
            assertTrue(errors.isEmpty(), errors.toString());
        }
    }

    /**
     * A kill of the process: an Error, because the runner records a plug-in's exception as a failed unit
     * and goes on, while an Error (as the JVM's own end) stops the run.
     */
    static final class SimulatedKill extends Error {
        SimulatedKill(String message) {
            super(message);
        }
    }

    /** A host whose progress bar throws during one phase: simulates a kill in the middle of training. */
    record CrashAfter(Host delegate, String phase, AtomicLong steps) implements Host {
        @Override
        public Trainer trainer() {
            return new org.purifybench.core.train.SgdTrainer(this);
        }

        @Override
        public Progress progress(String name, long total) {
            return new Progress() {
                @Override
                public void step(long n) {
                    if (name.equals(phase) && steps.incrementAndGet() >= 1) {
                        throw new SimulatedKill("simulated kill during " + phase);
                    }
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void log(String message) {
        }
    }
}
