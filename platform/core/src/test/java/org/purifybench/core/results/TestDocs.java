package org.purifybench.core.results;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hand-built documents whose expected report numbers can be worked out on paper. */
final class TestDocs {
    private TestDocs() {
    }

    static ResultRow row(String attack, long seed, String defense, String evaluator, String metric, double value) {
        return new ResultRow("cifar10-resnet18-" + attack + "-0.1-s" + seed, "cifar10", "resnet18", attack, 0.1, seed,
                defense, evaluator, metric, value);
    }

    /**
     * Two attacks (badnets, blended), seeds 1 and 2, defenses none, clean, ep, fst. "blended" has no
     * fst rows at all, so those cells must be missing.
     */
    static ResultsDocument sample() {
        ResultsDocument doc = new ResultsDocument();
        doc.setRunId("run-2025-01-31");
        doc.setCreatedAt("2025-01-31T12:00:00Z");
        doc.setProfile("smoke");
        doc.setConfigHash("3f2a9c");
        ObjectNode config = ResultsIO.mapper().createObjectNode();
        config.put("profile", "smoke");
        config.putArray("defenses").add("ep").add("fst");
        doc.setConfig(config);
        Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("train", 60.0);
        phases.put("purify", 30.0);
        phases.put("evaluate", 10.0);
        doc.setProvenance(new Provenance("0.1.0-SNAPSHOT+abc123", 1, "17.0.12", "Linux 6.1", "Xeon", 8,
                "nd4j-native", "cpu", 100.0, phases, 512L * 1024 * 1024, 3L * 1024 * 1024 * 1024));
        doc.setApproximations(List.of("ResNet-18 trained for 2 epochs instead of 100"));
        doc.setPlugins(List.of(
                new PluginInfo("attack", "badnets", "1.0", "classpath", null, false, false),
                new PluginInfo("attack", "blended", "1.0", "classpath", null, false, false),
                new PluginInfo("defense", "none", "1.0", "classpath", null, false, true),
                new PluginInfo("defense", "clean", "1.0", "classpath", null, false, true),
                new PluginInfo("defense", "ep", "1.0", "classpath", null, true, false),
                new PluginInfo("defense", "fst", "0.3", "fst-0.3.jar", "a".repeat(64), false, false),
                new PluginInfo("evaluator", "accuracy", "1.0", "classpath", null, false, false),
                new PluginInfo("evaluator", "ra", "1.0", "classpath", null, false, false)));
        List<CellInfo> cells = new ArrayList<>();
        List<ResultRow> rows = new ArrayList<>();
        for (String attack : List.of("badnets", "blended")) {
            for (long seed : List.of(1L, 2L)) {
                cells.add(new CellInfo("cifar10-resnet18-" + attack + "-0.1-s" + seed, "cifar10", "resnet18", attack,
                        0.1, seed, "bd-" + attack + "-" + seed));
                double d = seed == 1 ? -0.01 : 0.01; // spread of the two seeds: sample std = 1.41 points
                rows.add(row(attack, seed, "none", "accuracy", "c-acc", 0.90 + d));
                rows.add(row(attack, seed, "none", "accuracy", "asr", 0.99));
                rows.add(row(attack, seed, "clean", "accuracy", "c-acc", 0.92));
                rows.add(row(attack, seed, "clean", "accuracy", "asr", 0.01));
                rows.add(row(attack, seed, "clean", "ra", "p-c-acc", 0.91));
                rows.add(row(attack, seed, "clean", "ra", "p-asr", 0.02));
                rows.add(row(attack, seed, "ep", "accuracy", "c-acc", 0.88));
                rows.add(row(attack, seed, "ep", "accuracy", "asr", 0.05));
                rows.add(row(attack, seed, "ep", "ra", "o-asr", 0.05));
                rows.add(row(attack, seed, "ep", "ra", "p-c-acc", 0.87));
                rows.add(row(attack, seed, "ep", "ra", "p-asr", 0.80));
                rows.add(row(attack, seed, "ep", "ra", "control-p-asr", 0.10));
                rows.add(row(attack, seed, "ep", "ra", "control-p-c-acc", 0.91));
                if (attack.equals("badnets")) {
                    rows.add(row(attack, seed, "fst", "accuracy", "c-acc", 0.85));
                    rows.add(row(attack, seed, "fst", "accuracy", "asr", 0.10));
                    rows.add(row(attack, seed, "fst", "ra", "p-c-acc", 0.84));
                    rows.add(row(attack, seed, "fst", "ra", "p-asr", 0.12));
                }
            }
        }
        doc.setCells(cells);
        doc.setRows(rows);
        doc.setCurves(List.of(new Curve("cifar10-resnet18-badnets-0.1-s1", "ep", "ra", "p-asr-per-epoch",
                new double[]{1, 2, 3}, new double[]{0.1, 0.5, 0.8})));
        return doc;
    }

    /**
     * {@link #sample()} with the failures a run records: fst failed in the sandbox on blended seed 1
     * (so none of its evaluators ran), and the ra evaluator threw for fst on blended seed 2.
     */
    static ResultsDocument withFailures() {
        ResultsDocument doc = sample();
        doc.setFailures(List.of(
                new FailedUnit("cifar10-resnet18-blended-0.1-s1", "fst", null, FailedUnit.Status.INVALID_OUTPUT,
                        "defense 'fst' from fst-0.3.jar returned invalid output from the sandbox: a parameter is NaN - return finite values",
                        List.of("sandbox: running defense 'fst'", "  [sandbox] epoch 1 loss NaN")),
                new FailedUnit("cifar10-resnet18-blended-0.1-s2", "fst", "ra", FailedUnit.Status.ERROR,
                        "evaluator 'ra' threw java.lang.IllegalStateException: no | pipes *here*",
                        List.of("java.lang.IllegalStateException: no | pipes *here*", "  at Ra.evaluate(Ra.java:1)"))));
        return doc;
    }

    static Curve curve(String attack, long seed, String defense, String name, double[] x, double[] y) {
        return new Curve("cifar10-resnet18-" + attack + "-0.1-s" + seed, defense, "lmc", name, x, y);
    }

    /**
     * {@link #sample()} plus LMC curves, QRA rows and QRA-transfer rows, with numbers chosen so the
     * means are easy to check by hand (see FiguresTest).
     */
    static ResultsDocument withFigureData() {
        ResultsDocument doc = sample();
        double[] t3 = {0, 0.5, 1};
        double[] t2 = {0, 1};
        List<Curve> curves = new ArrayList<>(doc.getCurves());
        // badnets: ep 0/85/96 and fst 0/20/30 as means of seeds 1 and 2.
        curves.add(curve("badnets", 1, "ep", "backdoor-error", t3, new double[]{0.0, 0.90, 0.95}));
        curves.add(curve("badnets", 2, "ep", "backdoor-error", t3, new double[]{0.0, 0.80, 0.97}));
        curves.add(curve("badnets", 1, "fst", "backdoor-error", t3, new double[]{0.0, 0.10, 0.20}));
        curves.add(curve("badnets", 2, "fst", "backdoor-error", t3, new double[]{0.0, 0.30, 0.40}));
        curves.add(curve("badnets", 1, "fst", "clean-error", t3, new double[]{0.1, 0.5, 0.15}));
        // purified -> EP path of fst: 30/92.5.
        curves.add(curve("badnets", 1, "fst", "ep-backdoor-error", t2, new double[]{0.2, 0.90}));
        curves.add(curve("badnets", 2, "fst", "ep-backdoor-error", t2, new double[]{0.4, 0.95}));
        // blended: seed 2 has another t grid and cannot be averaged with seed 1.
        curves.add(curve("blended", 1, "fst", "backdoor-error", t3, new double[]{0.0, 0.10, 0.20}));
        curves.add(curve("blended", 2, "fst", "backdoor-error", new double[]{0, 0.25, 1}, new double[]{0.5, 0.5, 0.5}));
        doc.setCurves(curves);

        List<ResultRow> rows = new ArrayList<>(doc.getRows());
        for (long seed : List.of(1L, 2L)) {
            boolean s1 = seed == 1;
            // ep badnets: c-asr 10/20, p-asr 70/90; ep blended: c-asr 30, p-asr 60 (both seeds).
            qra(rows, "badnets", seed, "ep", s1 ? 0.10 : 0.20, s1 ? 0.70 : 0.90, 0.02, 0.05, 0.85);
            qra(rows, "blended", seed, "ep", 0.30, 0.60, 0.04, 0.07, 0.75);
            // fst has no blended QRA rows: its mean over attacks is missing.
            qra(rows, "badnets", seed, "fst", 0.05, 0.40, 0.02, 0.05, 0.50);
            // Transfer, badnets only: from ep to ep 80/90, ep -> fst 50/70, fst -> ep 20, fst -> fst 40.
            rows.add(row("badnets", seed, "ep", "qra-transfer", "p-asr-from:ep", s1 ? 0.80 : 0.90));
            rows.add(row("badnets", seed, "fst", "qra-transfer", "p-asr-from:ep", s1 ? 0.50 : 0.70));
            rows.add(row("badnets", seed, "ep", "qra-transfer", "p-asr-from:fst", 0.20));
            rows.add(row("badnets", seed, "fst", "qra-transfer", "p-asr-from:fst", 0.40));
            rows.add(row("badnets", seed, "ep", "qra-transfer", "c-asr-from:fst", 0.01));
        }
        doc.setRows(rows);
        return doc;
    }

    private static void qra(List<ResultRow> rows, String attack, long seed, String defense, double cAsr, double pAsr,
                            double cleanCAsr, double cleanPAsr, double raPAsr) {
        rows.add(row(attack, seed, defense, "qra", "c-asr", cAsr));
        rows.add(row(attack, seed, defense, "qra", "p-asr", pAsr));
        rows.add(row(attack, seed, defense, "qra", "clean-c-asr", cleanCAsr));
        rows.add(row(attack, seed, defense, "qra", "clean-p-asr", cleanPAsr));
        rows.add(row(attack, seed, defense, "qra", "ra-p-asr", raPAsr));
    }
}
