package org.purifybench.core.results;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiguresTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final String TRACK = "cifar10-resnet18-10pct";

    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        // What a server run gets: no display. The class sets it too, this only makes it certain.
        Figures.ensureHeadless();
        assertEquals("true", System.getProperty("java.awt.headless"));
    }

    private static String section(String md, String heading) {
        int start = md.indexOf("### " + heading);
        assertTrue(start >= 0, "no section " + heading + " in\n" + md);
        int end = md.indexOf("\n### ", start + 1);
        int end2 = md.indexOf("\n## ", start + 1);
        int stop = Stream.of(end, end2, md.length()).filter(i -> i >= 0).min(Integer::compare).orElseThrow();
        return md.substring(start, stop);
    }

    private static Set<String> fileNames(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void assertPng(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        assertTrue(b.length > 1000, p + " has only " + b.length + " bytes");
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(b, 8), p.toString());
    }

    private static Document assertSvg(Path p) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        // The SVG names its DTD by URL; the test must not go to the network for it.
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document d = f.newDocumentBuilder().parse(p.toFile());
        assertEquals("svg", d.getDocumentElement().getLocalName() != null
                ? d.getDocumentElement().getLocalName() : d.getDocumentElement().getTagName(), p.toString());
        return d;
    }

    @Test
    void writesEveryFigureAsPngAndSvg() throws Exception {
        Path run = dir.resolve("run");
        List<Path> written = ReportWriter.write(TestDocs.withFigureData(), run);
        assertEquals(List.of(run.resolve("report.md"), run.resolve("report.html")), written);
        Set<String> expected = new TreeSet<>();
        for (String stem : List.of("lmc-" + TRACK + "-badnets", "lmc-ep-" + TRACK + "-badnets",
                "lmc-" + TRACK + "-blended", "qra-" + TRACK, "qra-transfer-" + TRACK)) {
            expected.add(stem + ".png");
            expected.add(stem + ".svg");
        }
        assertEquals(expected, fileNames(run.resolve("figures")));
        for (String f : expected) {
            Path p = run.resolve("figures").resolve(f);
            if (f.endsWith(".png")) {
                assertPng(p);
            } else {
                assertSvg(p);
            }
        }
        assertEquals(Set.of("figures", "report.html", "report.md"), fileNames(run));
    }

    @Test
    void lmcTableIsTheMeanOverSeedsPerT() {
        String md = ReportWriter.markdown(TestDocs.withFigureData());
        String s = section(md, "LMC backdoor error: badnets");
        assertTrue(s.contains("![LMC backdoor error: badnets, cifar10 · resnet18 · poison rate 10%](figures/lmc-"
                + TRACK + "-badnets.png)"), s);
        assertTrue(s.contains("| Defense | t = 0 | t = 0.5 | t = 1 |\n|---|---:|---:|---:|\n"), s);
        // ep: (0.90 + 0.80) / 2 and (0.95 + 0.97) / 2; fst: (0.10 + 0.30) / 2 and (0.20 + 0.40) / 2.
        assertTrue(s.contains("| ep (oracle) | 0.00 | 85.00 | 96.00 |\n"), s);
        assertTrue(s.contains("| fst | 0.00 | 20.00 | 30.00 |\n"), s);
        assertFalse(s.contains("left out"), s);

        String ep = section(md, "LMC from purified to EP: badnets");
        assertTrue(ep.contains("](figures/lmc-ep-" + TRACK + "-badnets.png)"), ep);
        assertTrue(ep.contains("| Defense | t = 0 | t = 1 |\n|---|---:|---:|\n| fst | 30.00 | 92.50 |\n"), ep);
        assertFalse(ep.contains("| ep "), ep);
        // blended has no ep-* curves, so no purified-to-EP figure.
        assertFalse(md.contains("### LMC from purified to EP: blended"), md);
    }

    @Test
    void lmcSeedWithAnotherTGridIsLeftOutAndSaidSo() {
        String s = section(ReportWriter.markdown(TestDocs.withFigureData()), "LMC backdoor error: blended");
        assertTrue(s.contains("| fst | 0.00 | 10.00 | 20.00 |\n"), s);
        assertTrue(s.contains("1 curve(s) left out because their t grid differs"), s);
    }

    @Test
    void qraTableGivesMeanStdPerAttackAndTheBarValues() {
        String s = section(ReportWriter.markdown(TestDocs.withFigureData()), "QRA: ");
        assertTrue(s.contains("](figures/qra-" + TRACK + ".png)"), s);
        assertTrue(s.contains("| Defense | Attack | O-ASR | C-ASR | P-ASR | clean C-ASR | clean P-ASR | RA P-ASR |\n"), s);
        // c-asr 0.10 / 0.20: mean 15, sample std 7.07; p-asr 0.70 / 0.90: 80 ± 14.14.
        assertTrue(s.contains("| ep (oracle) | badnets | 5.00 ± 0.00 | 15.00 ± 7.07 | 80.00 ± 14.14 | 2.00 ± 0.00 | 5.00 ± 0.00 "
                + "| 85.00 ± 0.00 |\n"), s);
        assertTrue(s.contains("| ep (oracle) | blended | 5.00 ± 0.00 | 30.00 ± 0.00 | 60.00 ± 0.00 | 4.00 ± 0.00 | 7.00 ± 0.00 "
                + "| 75.00 ± 0.00 |\n"), s);
        // The bars: mean over the two attacks' means, e.g. C-ASR (15 + 30) / 2.
        assertTrue(s.contains("| ep (oracle) | mean over attacks | 5.00 | 22.50 | 70.00 | 3.00 | 6.00 | 80.00 |\n"), s);
        // fst has no blended QRA: the attack shows missing and so does its mean over attacks.
        assertTrue(s.contains("| fst | blended | – | – | – | – | – | – |\n"), s);
        assertTrue(s.contains("| fst | mean over attacks | – | – | – | – | – | – |\n"), s);
        assertTrue(s.contains("| fst | badnets | 10.00 ± 0.00 | 5.00 ± 0.00 | 40.00 ± 0.00 |"), s);
    }

    @Test
    void transferMatrixAndMeanOverOtherTargets() {
        String s = section(ReportWriter.markdown(TestDocs.withFigureData()), "QRA transfer: ");
        assertTrue(s.contains("](figures/qra-transfer-" + TRACK + ".png)"), s);
        assertTrue(s.contains("| Source / target | ep | fst | mean over other targets |\n|---|---:|---:|---:|\n"), s);
        // Row = source. ep's perturbations: 85 on ep itself, 60 on fst; the last column excludes ep itself.
        assertTrue(s.contains("| ep (oracle) | 85.00 | 60.00 | 60.00 |\n"), s);
        assertTrue(s.contains("| fst | 20.00 | 40.00 | 20.00 |\n"), s);
    }

    @Test
    void meanOverOtherTargetsLeavesTheReferenceModelsOut() {
        ResultsDocument doc = TestDocs.withFigureData();
        List<ResultRow> rows = new ArrayList<>(doc.getRows());
        for (long seed : List.of(1L, 2L)) {
            // The backdoored model (none) falls for every perturbation: averaging it in would inflate transfer.
            rows.add(TestDocs.row("badnets", seed, "none", "qra-transfer", "p-asr-from:ep", 0.99));
            rows.add(TestDocs.row("badnets", seed, "none", "qra-transfer", "p-asr-from:fst", 0.99));
        }
        doc.setRows(rows);
        String s = section(ReportWriter.markdown(doc), "QRA transfer: ");
        assertTrue(s.contains("| ep (oracle) | 99.00 | 85.00 | 60.00 | 60.00 |\n"), s);
    }

    @Test
    void htmlShowsTheFigures() {
        String html = ReportWriter.html(TestDocs.withFigureData());
        assertTrue(html.contains("<img src=\"figures/qra-transfer-" + TRACK + ".png\""), html);
        assertTrue(html.contains("<img src=\"figures/lmc-" + TRACK + "-badnets.png\""), html);
    }

    @Test
    void withoutLmcOrQraThereAreNoFigureSectionsAndNoFolder() throws IOException {
        String md = ReportWriter.markdown(TestDocs.sample());
        for (String heading : List.of("## Linear mode connectivity", "## Query-based Reactivation Attack",
                "## QRA transferability", "![", "figures/")) {
            assertFalse(md.contains(heading), heading);
        }
        Path run = dir.resolve("plain");
        ReportWriter.write(TestDocs.sample(), run);
        assertFalse(Files.exists(run.resolve("figures")));
        assertTrue(Figures.plan(TestDocs.sample()).isEmpty());
    }

    @Test
    void onlyTheEvaluatorsPresentGetSections() {
        ResultsDocument doc = TestDocs.withFigureData();
        doc.setCurves(List.of());
        doc.setRows(doc.getRows().stream().filter(r -> !r.evaluator().equals("qra-transfer")).toList());
        String md = ReportWriter.markdown(doc);
        assertFalse(md.contains("## Linear mode connectivity"), md);
        assertFalse(md.contains("## QRA transferability"), md);
        assertTrue(md.contains("## Query-based Reactivation Attack (QRA)"), md);
        // The existing report comes first and is unchanged.
        assertTrue(md.startsWith(ReportWriter.markdown(TestDocs.sample())), md);
    }

    @Test
    void hostileNamesGiveSafeFileNamesInsideFigures() throws Exception {
        ResultsDocument doc = new ResultsDocument();
        doc.setRunId("hostile");
        String cellA = "c1";
        String cellB = "c2";
        doc.setCells(List.of(new CellInfo(cellA, "../x", "a/b", "../../etc", 0.1, 1, "k1"),
                new CellInfo(cellB, "../x", "a/b", "A B", 0.1, 1, "k2")));
        String evil = "<script>a/b</script> & {rho=0.1, x=\"..\"}";
        List<Curve> curves = new ArrayList<>();
        for (String cell : List.of(cellA, cellB)) {
            curves.add(new Curve(cell, evil, "lmc", "backdoor-error", new double[]{0, 1}, new double[]{0.9, 0.2}));
        }
        doc.setCurves(curves);
        doc.setRows(List.of(
                new ResultRow(cellA, "../x", "a/b", "../../etc", 0.1, 1, evil, "qra", "p-asr", 0.5),
                new ResultRow(cellA, "../x", "a/b", "../../etc", 0.1, 1, evil, "qra-transfer", "p-asr-from:" + evil, 0.5)));
        Path run = dir.resolve("run");
        ReportWriter.write(doc, run);
        assertEquals(Set.of("figures", "report.html", "report.md"), fileNames(run));
        assertEquals(Set.of("run"), fileNames(dir), "nothing may be written outside the run folder");
        Set<String> figures = fileNames(run.resolve("figures"));
        assertEquals(Set.of("lmc-x-a-b-10pct-etc.png", "lmc-x-a-b-10pct-etc.svg", "lmc-x-a-b-10pct-a-b.png",
                "lmc-x-a-b-10pct-a-b.svg", "qra-x-a-b-10pct.png", "qra-x-a-b-10pct.svg",
                "qra-transfer-x-a-b-10pct.png", "qra-transfer-x-a-b-10pct.svg"), figures);
        for (String f : figures) {
            assertTrue(f.matches("[a-z0-9-]+\\.(png|svg)"), f);
            if (f.endsWith(".svg")) {
                // The defense name is drawn as legend/axis text and must be escaped, not break the XML.
                assertSvg(run.resolve("figures").resolve(f));
            }
        }
        String md = Files.readString(run.resolve("report.md"));
        assertTrue(md.contains("](figures/qra-transfer-x-a-b-10pct.png)"), md);
        assertFalse(ReportWriter.html(doc).contains("<script"));
    }

    @Test
    void safeKeepsOnlyLowercaseLettersDigitsAndDashes() {
        assertEquals("x", Figures.safe("../x"));
        assertEquals("a-b", Figures.safe("a/b"));
        assertEquals("pam-epochs-10-rho-0-1", Figures.safe("pam{epochs=10, rho=0.1}"));
        assertEquals("x", Figures.safe(".."));
        assertEquals("x", Figures.safe(""));
        assertEquals("x", Figures.safe(null));
        assertEquals(60, Figures.safe("a".repeat(500)).length());
    }

    @Test
    void namesThatSanitiseAlikeStayDistinct() {
        ResultsDocument doc = TestDocs.sample();
        List<CellInfo> cells = new ArrayList<>(doc.getCells());
        List<Curve> curves = new ArrayList<>();
        for (String attack : List.of("a/b", "a-b", "A B")) {
            cells.add(new CellInfo("cell-" + attack, "cifar10", "resnet18", attack, 0.1, 1, "k"));
            curves.add(new Curve("cell-" + attack, "fst", "lmc", "backdoor-error", new double[]{0, 1},
                    new double[]{0.5, 0.5}));
        }
        doc.setCells(cells);
        doc.setCurves(curves);
        List<String> names = Figures.plan(doc).stream().flatMap(s -> s.figures().stream()).map(Figures.Figure::name)
                .toList();
        assertEquals(List.of("lmc-" + TRACK + "-a-b", "lmc-" + TRACK + "-a-b-2", "lmc-" + TRACK + "-a-b-3"), names);
    }

    @Test
    void lmcSectionSaysWhetherBatchNormWasRecalibrated() throws Exception {
        ResultsDocument doc = TestDocs.withFigureData();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        doc.setConfig(json.readTree("{\"evaluators\": [{\"id\": \"lmc\", \"params\": {\"points\": 3}}]}"));
        assertTrue(Figures.batchNormNote(doc).startsWith("BatchNorm running statistics are re-estimated"));
        assertTrue(ReportWriter.markdown(doc).contains("BatchNorm running statistics are re-estimated"));
        doc.setConfig(json.readTree("{\"evaluators\": [{\"id\": \"lmc\", \"params\": {\"recalibrate-bn\": false}}]}"));
        assertTrue(Figures.batchNormNote(doc).contains("NOT re-estimated"));
    }
}
