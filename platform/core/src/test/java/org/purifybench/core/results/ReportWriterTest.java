package org.purifybench.core.results;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    @TempDir
    Path dir;

    private static String line(String table, String label) {
        return table.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + label + " in\n" + table));
    }

    @Test
    void paperTableShowsMeanAndSampleStdOverSeeds() {
        String t = ReportWriter.paperTable(TestDocs.sample(), "cifar10", "resnet18", 0.1);
        // c-acc 0.89 and 0.91: mean 90.00, sample std sqrt(2 * 0.01^2 / 1) = 1.41 points.
        assertEquals("| O-Backdoor | 90.00 ± 1.41 | 99.00 ± 0.00 | 90.00 ± 1.41 | 99.00 ± 0.00 | 90.00 | 99.00 |",
                line(t, "O-Backdoor"));
        assertEquals("| ep (oracle) P-Robustness | 87.00 ± 0.00 | 80.00 ± 0.00 | 87.00 ± 0.00 | 80.00 ± 0.00 | 87.00 | 80.00 |",
                line(t, "ep (oracle) P-Robustness"));
        assertTrue(t.startsWith("| Defense | badnets C-Acc | badnets ASR | blended C-Acc | blended ASR | Average C-Acc | Average ASR |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n"), t);
    }

    @Test
    void defenseDiagnosticsGetTheirOwnSectionWithAWrongInvertedTargetMarked() {
        ResultsDocument doc = TestDocs.sample();
        assertFalse(ReportWriter.markdown(doc).contains("## Defense diagnostics"), "no diagnostics, no section");
        List<ResultRow> rows = new ArrayList<>(doc.getRows());
        rows.add(TestDocs.row("badnets", 1, "pam", "diagnostics", "inverted-target", 0));
        rows.add(TestDocs.row("badnets", 1, "pam", "diagnostics", "inverted-target-correct", 1));
        rows.add(TestDocs.row("badnets", 2, "pam", "diagnostics", "inverted-target", 8));
        rows.add(TestDocs.row("badnets", 2, "pam", "diagnostics", "inverted-target-correct", 0));
        rows.add(TestDocs.row("badnets", 2, "pam", "diagnostics", "rho", 0.5));
        doc.setRows(rows);
        String md = ReportWriter.markdown(doc);
        assertTrue(md.contains("## Defense diagnostics"), md);
        assertTrue(md.contains("| pam | badnets | inverted-target | seed 1: 0, seed 2: 8 |"), md);
        assertTrue(md.contains("| pam | badnets | inverted-target-correct | seed 1: yes, seed 2: **no** |"), md);
        assertTrue(md.contains("| pam | badnets | rho | seed 2: 0.5000 |"), md);
        assertFalse(ReportWriter.paperTable(doc, "cifar10", "resnet18", 0.1).contains("inverted"), "diagnostics stay out of the paper table");
    }

    @Test
    void aDefenseRunWithSeveralSettingsGetsASweepTableWithOneColumnPerSetting() {
        ResultsDocument doc = TestDocs.sample();
        List<ResultRow> rows = new ArrayList<>(doc.getRows());
        for (String rho : List.of("0.1", "0.9")) {
            String d = "pam{epochs=10, rho=" + rho + "}";
            double asr = rho.equals("0.1") ? 0.30 : 0.02;
            for (long seed : List.of(1L, 2L)) {
                rows.add(TestDocs.row("blended", seed, d, "accuracy", "c-acc", 0.90));
                rows.add(TestDocs.row("blended", seed, d, "accuracy", "asr", asr / 2));
                rows.add(TestDocs.row("blended", seed, d, "ra", "p-c-acc", 0.89));
                rows.add(TestDocs.row("blended", seed, d, "ra", "p-asr", asr));
            }
        }
        doc.setRows(rows);
        String md = ReportWriter.markdown(doc);
        assertTrue(md.contains("### pam sweep over rho: blended"), md);
        assertTrue(md.contains("| Evaluation | rho = 0.1 | rho = 0.9 |"), md);
        assertTrue(md.contains("| O-Robustness | 90.00 / 15.00 | 90.00 / 1.00 |"), md);
        assertTrue(md.contains("| P-Robustness | 89.00 / 30.00 | 89.00 / 2.00 |"), md);
        // Defenses run with one setting only are not sweeps.
        assertFalse(ReportWriter.markdown(TestDocs.sample()).contains("Parameter sweeps"));
    }

    @Test
    void oneSeedShowsJustTheMean() {
        ResultsDocument doc = TestDocs.sample();
        doc.setRows(doc.getRows().stream().filter(r -> r.seed() == 2).toList());
        String t = ReportWriter.paperTable(doc, "cifar10", "resnet18", 0.1);
        assertTrue(line(t, "O-Backdoor").startsWith("| O-Backdoor | 91.00 | 99.00 | 91.00 | 99.00 |"), t);
    }

    @Test
    void rowOrderFollowsPluginsAndMarksOracleAndReference() {
        String t = ReportWriter.paperTable(TestDocs.sample(), "cifar10", "resnet18", 0.1);
        List<String> labels = t.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| Defense"))
                .map(l -> l.substring(2, l.indexOf(" |"))).toList();
        assertEquals(List.of("O-Backdoor", "clean (reference) O-Robustness", "clean (reference) P-Robustness",
                "ep (oracle) O-Robustness", "ep (oracle) P-Robustness", "fst O-Robustness", "fst P-Robustness"), labels);
    }

    @Test
    void missingCellsShowDashAndBlockTheAverage() {
        String t = ReportWriter.paperTable(TestDocs.sample(), "cifar10", "resnet18", 0.1);
        assertEquals("| fst O-Robustness | 85.00 ± 0.00 | 10.00 ± 0.00 | – | – | – | – |", line(t, "fst O-Robustness"));
    }

    @Test
    void raControlLineGivesMeanControlPAsrPerAttack() {
        ResultsDocument doc = TestDocs.sample();
        List<ResultRow> rows = new ArrayList<>(doc.getRows());
        rows.removeIf(r -> r.metric().equals("control-p-asr") && r.attack().equals("blended"));
        rows.add(TestDocs.row("badnets", 3, "ep", "ra", "control-p-asr", 0.40));
        doc.setRows(rows);
        String t = ReportWriter.paperTable(doc, "cifar10", "resnet18", 0.1);
        // badnets: (0.10 + 0.10 + 0.40) / 3 = 20%; blended has none.
        assertTrue(t.contains("mean control-P-ASR: badnets 20.00%, blended –."), t);
    }

    @Test
    void unknownTrackIsAUserErrorListingTheAvailableOnes() {
        UserException e = assertThrows(UserException.class,
                () -> ReportWriter.paperTable(TestDocs.sample(), "cifar10", "vgg16", 0.1));
        assertTrue(e.fix().contains("cifar10/resnet18/0.1"), e.fix());
    }

    @Test
    void pipesInUserStringsAreEscaped() {
        ResultsDocument doc = TestDocs.sample();
        doc.setRows(doc.getRows().stream().map(r -> r.defense().equals("fst")
                ? new ResultRow(r.cellId(), r.dataset(), r.model(), r.attack(), r.poisonRate(), r.seed(), "fst|v2",
                r.evaluator(), r.metric(), r.value()) : r).toList());
        String t = ReportWriter.paperTable(doc, "cifar10", "resnet18", 0.1);
        String row = line(t, "fst\\|v2 O-Robustness");
        // 8 cell separators: the escaped pipe must not open a new column.
        assertEquals(8, row.replace("\\|", "").chars().filter(c -> c == '|').count(), row);
        String html = ReportWriter.html(doc);
        assertTrue(html.contains("<td>fst|v2 O-Robustness</td>"), html);
    }

    @Test
    void markdownEscapeNeutralisesFormatting() {
        assertEquals("a\\|b \\*x\\* \\<i\\> \\&amp; c d", ReportWriter.md("a|b *x* <i> &amp; c\nd"));
        assertEquals("–", ReportWriter.md(null));
    }

    @Test
    void reportHasProvenanceApproximationsAndThresholds() {
        String md = ReportWriter.markdown(TestDocs.sample());
        assertTrue(md.startsWith("# PurifyBench report: run-2025-01-31 (profile smoke)\n"), md);
        assertTrue(md.contains("| train | 60.0 | 60.0% |"), md);
        assertTrue(md.contains("| Peak resident memory (process, incl. heap) | 3072.0 MiB |"), md);
        assertTrue(md.contains("| Config hash | 3f2a9c |"), md);
        assertTrue(md.contains("- ResNet-18 trained for 2 epochs instead of 100\n"), md);
        assertTrue(md.contains("O-ASR ≤ 20% and P-ASR ≥ 50%"), md);
        assertTrue(md.contains("### cifar10 · resnet18 · poison rate 10%"), md);
    }

    @Test
    void phaseTimesSummedOverParallelCellsAreSaidToBe() {
        ResultsDocument doc = TestDocs.sample();
        assertFalse(ReportWriter.markdown(doc).contains("Cells ran in parallel"), "100 s of phases in 100 s of wall time");
        Provenance p = doc.getProvenance();
        doc.setProvenance(new Provenance(p.codeVersion(), p.spiVersion(), p.javaVersion(), p.os(), p.cpu(), p.cores(), p.nd4jBackend(),
                p.device(), 60.0, p.phaseSeconds(), p.peakHeapBytes(), p.peakOffHeapBytes()));
        String md = ReportWriter.markdown(doc);
        assertTrue(md.contains("Cells ran in parallel: phase times are summed over the workers (100 s in 60 s of wall time)."), md);
        assertTrue(md.contains("| train | 60.0 | 100.0% |"), md);
    }

    @Test
    void aRunResumedAcrossCommitsSaysHowManyUnitsEachCodeComputed() {
        ResultsDocument doc = TestDocs.sample();
        assertFalse(ReportWriter.markdown(doc).contains("Units per code version"), "not recorded: nothing to say");
        Provenance p = doc.getProvenance();
        doc.setProvenance(new Provenance(p.codeVersion(), p.spiVersion(), p.javaVersion(), p.os(), p.cpu(), p.cores(), p.nd4jBackend(),
                p.device(), p.wallTimeSeconds(), p.phaseSeconds(), p.peakHeapBytes(), p.peakOffHeapBytes(),
                new java.util.LinkedHashMap<>(java.util.Map.of("0.1.0-SNAPSHOT+0000000", 3))));
        String md = ReportWriter.markdown(doc);
        assertTrue(md.contains("| Units per code version (a run resumed across commits) | 0.1.0-SNAPSHOT+0000000: 3 |"), md);
    }

    @Test
    void noApproximationsSaysNone() {
        ResultsDocument doc = TestDocs.sample();
        doc.setApproximations(List.of());
        assertTrue(ReportWriter.markdown(doc).contains("## Approximations\n\nnone\n"));
    }

    @Test
    void failedUnitsGetTheirSectionWithStatusAndReasonEscaped() {
        assertTrue(ReportWriter.markdown(TestDocs.sample()).contains("## Failed units\n\nnone\n"));
        String md = ReportWriter.markdown(TestDocs.withFailures());
        assertTrue(md.contains("## Failed units\n\n2 unit(s) produced no results"), md);
        assertTrue(md.indexOf("## Failed units") < md.indexOf("## Results"), "before the tables whose cells they leave empty");
        assertTrue(md.contains("| cifar10-resnet18-blended-0.1-s1 | fst | (the defense failed) | invalid-output | defense 'fst' from"
                + " fst-0.3.jar returned invalid output from the sandbox: a parameter is NaN - return finite values |"), md);
        assertTrue(md.contains("| cifar10-resnet18-blended-0.1-s2 | fst | ra | error | evaluator 'ra' threw"
                + " java.lang.IllegalStateException: no \\| pipes \\*here\\* |"), md);
        assertTrue(ReportWriter.html(TestDocs.withFailures()).contains("<td>invalid-output</td>"));
        ResultsDocument v1 = TestDocs.sample();
        v1.setSchemaVersion(1);
        assertTrue(ReportWriter.markdown(v1).contains("## Failed units\n\nnot recorded (this results file has schemaVersion 1"),
                "a version 1 file cannot say that nothing failed");
    }

    @Test
    void superficialSafetyVerdicts() {
        String md = ReportWriter.markdown(TestDocs.sample());
        assertTrue(md.contains("| ep (oracle) | badnets | 5.00% | 80.00% | superficial |"), md);
        assertTrue(md.contains("| fst | badnets | 10.00% | 12.00% | robust |"), md);
        assertTrue(md.contains("| fst | blended | – | – | no data |"), md);
        assertFalse(md.contains("| none |"), md);
        assertEquals("not purified", ReportWriter.verdict(0.2001, 0.9));
        assertEquals("superficial", ReportWriter.verdict(0.20, 0.50));
        assertEquals("robust", ReportWriter.verdict(0.0, 0.4999));
        assertEquals("no RA data", ReportWriter.verdict(0.1, Double.NaN));
    }

    @Test
    void htmlIsSelfContainedAndEscaped() {
        ResultsDocument doc = TestDocs.sample();
        doc.setApproximations(List.of("<script>alert(1)</script> & more"));
        doc.setRunId("<script>x</script>");
        doc.setRows(doc.getRows().stream().map(r -> r.defense().equals("fst")
                ? new ResultRow(r.cellId(), r.dataset(), r.model(), r.attack(), r.poisonRate(), r.seed(),
                "<script>evil()</script>", r.evaluator(), r.metric(), r.value()) : r).toList());
        String html = ReportWriter.html(doc);
        assertFalse(html.toLowerCase().contains("<script"), html);
        assertFalse(html.contains("http"), html);
        assertFalse(html.contains("src="), html);
        assertFalse(html.contains("<link"), html);
        assertTrue(html.contains("<style>"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), html);
        assertTrue(html.contains("&lt;script&gt;evil()&lt;/script&gt; O-Robustness"), html);
        assertTrue(html.contains("<title>PurifyBench report: &lt;script&gt;x&lt;/script&gt;</title>"), html);
        assertTrue(html.contains("<table>"), html);
    }

    @Test
    void writeCreatesBothReportsAndNoTempFiles() throws IOException {
        Path out = dir.resolve("run");
        List<Path> written = ReportWriter.write(TestDocs.sample(), out);
        assertEquals(List.of(out.resolve("report.md"), out.resolve("report.html")), written);
        assertEquals(ReportWriter.markdown(TestDocs.sample()), Files.readString(written.get(0)));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void settingsStateTheResolvedParametersOfEachPlugIn() throws Exception {
        ResultsDocument doc = TestDocs.sample();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"attacks": [{"id": "badnet", "params": {}, "resolvedParams": {"size": 3}}],
                 "defenses": [{"id": "ft", "params": {"epochs": 5}, "resolvedParams": {"epochs": 5, "lr": 0.01}}],
                 "evaluators": [{"id": "ra", "params": {"poison-count": {"blended": 1}},
                                 "resolvedParams": {"poison-count": {"badnet": 5, "blended": 1}, "schedule": "constant"}}]}
                """);
        doc.setConfig(config);
        String md = ReportWriter.markdown(doc);
        assertTrue(md.contains("## Settings"), md);
        assertTrue(md.contains("| defense | ft | epochs = 5; lr = 0.01 |"), md);
        assertTrue(md.contains("| evaluator | ra | poison-count = badnet: 5, blended: 1; schedule = constant |"), md);
        assertTrue(md.contains("| attack | badnet | size = 3 |"), md);
        config.withArray("defenses").forEach(n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove("resolvedParams"));
        String old = ReportWriter.markdown(doc);
        assertTrue(old.contains("predates recorded defaults") && old.contains("| defense | ft | epochs = 5 |"), old);
    }
}
