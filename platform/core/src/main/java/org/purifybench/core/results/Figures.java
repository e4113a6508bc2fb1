package org.purifybench.core.results;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.purifybench.core.UserException;
import org.purifybench.core.results.ReportWriter.Track;

import java.awt.AWTError;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.purifybench.core.results.ReportWriter.MISSING;
import static org.purifybench.core.results.ReportWriter.md;
import static org.purifybench.core.results.ReportWriter.pct;

/**
 * The report's figures: linear mode connectivity (LMC), the Query-based Reactivation Attack (QRA)
 * and QRA transferability, each as PNG (for the HTML page) and SVG (for papers), plus the markdown
 * sections that show them next to a table of the same numbers.
 *
 * <p>Everything is derived from the document alone, as the rest of the report is: {@link #plan}
 * decides which figures exist and what they are called, so the markdown (pure) and the files
 * ({@link #write}) always agree on names without sharing state.
 */
final class Figures {
    static final String DIR = "figures";

    static final String LMC = "lmc";
    static final String QRA = "qra";
    static final String QRA_TRANSFER = "qra-transfer";
    static final String P_ASR_FROM = "p-asr-from:";

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final double GRID_TOLERANCE = 1e-9;
    // Long, user-chosen names (a defense with many parameters) must not exceed file-name limits.
    private static final int MAX_NAME_PART = 60;

    // Red is reserved for the oracle so it is the one line that stands out.
    private static final Color ORACLE_COLOR = new Color(0xD62728);
    private static final Color[] PALETTE = {new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
            new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
            new Color(0xBCBD22), new Color(0x17BECF)};
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS};

    private Figures() {
    }

    /** One figure: its file stem (without extension), how to draw it and its markdown section. */
    record Figure(String name, String heading, String caption, Supplier<Chart<?, ?>> chart, String table) {
    }

    /** A top-level report section grouping the figures of one evaluator. */
    record Section(String heading, String intro, List<Figure> figures) {
    }

    // ---------------------------------------------------------------- plan

    /** The sections with at least one figure, in report order; empty when no evaluator produced data. */
    static List<Section> plan(ResultsDocument doc) {
        Names names = new Names();
        List<Section> out = new ArrayList<>();
        addIfAny(out, lmcSection(doc, names));
        addIfAny(out, qraSection(doc, names));
        addIfAny(out, transferSection(doc, names));
        return out;
    }

    private static void addIfAny(List<Section> out, Section s) {
        if (!s.figures().isEmpty()) {
            out.add(s);
        }
    }

    // ---------------------------------------------------------------- markdown

    /** Appends one section per evaluator with figures (nothing when there are none). */
    static void markdown(StringBuilder sb, ResultsDocument doc) {
        for (Section s : plan(doc)) {
            sb.append("## ").append(s.heading()).append("\n\n").append(s.intro()).append("\n\n");
            for (Figure f : s.figures()) {
                sb.append("### ").append(f.heading()).append("\n\n")
                        .append("![").append(f.heading()).append("](").append(DIR).append('/').append(f.name())
                        .append(".png)\n\n");
                if (!f.caption().isEmpty()) {
                    sb.append(f.caption()).append("\n\n");
                }
                sb.append(f.table()).append('\n');
            }
        }
    }

    // ---------------------------------------------------------------- files

    /**
     * Draws every figure of the document into {@code runDir/figures} as NAME.png and NAME.svg and
     * returns the files written; writes nothing (and creates no folder) when there are no figures.
     */
    static List<Path> write(ResultsDocument doc, Path runDir) {
        List<Section> sections = plan(doc);
        if (sections.isEmpty()) {
            return List.of();
        }
        ensureHeadless();
        Path dir = runDir.resolve(DIR);
        List<Path> written = new ArrayList<>();
        for (Section s : sections) {
            for (Figure f : s.figures()) {
                Path png = dir.resolve(f.name() + ".png");
                Path svg = dir.resolve(f.name() + ".svg");
                byte[] pngBytes;
                byte[] svgBytes;
                try {
                    Chart<?, ?> chart = f.chart().get();
                    pngBytes = pngBytes(chart);
                    svgBytes = svgBytes(chart);
                } catch (IOException | RuntimeException | AWTError | LinkageError e) {
                    // AWT fails with errors, not exceptions, when the JRE lacks fonts or native libraries.
                    throw new UserException("cannot draw " + png + ": " + e,
                            "install a font package (e.g. fonts-dejavu-core and fontconfig) or run with "
                                    + "-Djava.awt.headless=true; results.json is complete and `purifybench report` "
                                    + "redraws the report from it", e);
                }
                AtomicFiles.writeBytes(png, pngBytes);
                AtomicFiles.writeBytes(svg, svgBytes);
                written.add(png);
                written.add(svg);
            }
        }
        return written;
    }

    // Runs are started on servers without a display; AWT must not try to open one. It only reads
    // the property when the toolkit first loads, so an explicit choice by the user is respected.
    static void ensureHeadless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static byte[] pngBytes(Chart<?, ?> chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static byte[] svgBytes(Chart<?, ?> chart) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- LMC (paper Figures 4 and 5)

    private static Section lmcSection(ResultsDocument doc, Names names) {
        Map<String, CellInfo> cells = cellsById(doc);
        List<Figure> figures = new ArrayList<>();
        for (Track t : ReportWriter.tracks(doc)) {
            for (String a : ReportWriter.attacks(doc, t)) {
                List<Curve> curves = doc.getCurves().stream()
                        .filter(c -> LMC.equals(c.evaluator()) && c.defense() != null)
                        .filter(c -> inTrackAndAttack(cells.get(c.cellId()), t, a)).toList();
                if (curves.isEmpty()) {
                    continue;
                }
                String stem = trackName(t) + "-" + safe(a);
                lmcFigure(doc, curves, "backdoor-error", names, "lmc-" + stem,
                        "LMC backdoor error: " + md(a) + ", " + t.title(),
                        "t = 0 is the backdoored model, t = 1 the purified one",
                        "t (0 = backdoored, 1 = purified)").ifPresent(figures::add);
                // LMC names the curves to the oracle after it (ep-backdoor-error for the built-in EP).
                String oracle = ReferenceRows.withRole(doc, org.purifybench.spi.Role.ORACLE).orElse(null);
                if (oracle != null) {
                    String shown = oracle.toUpperCase(java.util.Locale.ROOT);
                    lmcFigure(doc, curves, oracle + "-backdoor-error", names, "lmc-" + safe(oracle) + "-" + stem,
                            "LMC from purified to " + md(shown) + ": " + md(a) + ", " + t.title(),
                            "t = 0 is the purified model, t = 1 the " + md(shown) + " (oracle) model",
                            "t (0 = purified, 1 = " + shown + ")").ifPresent(figures::add);
                }
            }
        }
        return new Section("Linear mode connectivity", "Backdoor error (percent) of the models on the straight line "
                + "between two weight vectors, mean over seeds (the paper's Figures 4 and 5). A defense whose path "
                + "keeps a high backdoor error all the way stays far from the backdoored basin. " + batchNormNote(doc),
                figures);
    }

    /** Interpolated weights make both endpoints' BN statistics wrong; say what the run did about it. */
    static String batchNormNote(ResultsDocument doc) {
        boolean recalibrated = true;
        if (doc.getConfig() != null) {
            for (var e : doc.getConfig().path("evaluators")) {
                if (LMC.equals(e.path("id").asText()) && !e.path("params").path("recalibrate-bn").asBoolean(true)) {
                    recalibrated = false;
                }
            }
        }
        return recalibrated
                ? "BatchNorm running statistics are re-estimated on training images (the evaluators' retuning pool) at "
                        + "every interior point; the endpoints are the models themselves."
                : "BatchNorm running statistics were NOT re-estimated along the path (recalibrate-bn: false): interior "
                        + "points use interpolated statistics.";
    }

    private static Optional<Figure> lmcFigure(ResultsDocument doc, List<Curve> curves, String curveName,
                                                        Names names, String stem, String heading, String tMeaning,
                                                        String xTitle) {
        Map<String, List<Curve>> byDefense = new LinkedHashMap<>();
        for (String d : defenseOrder(doc, curves.stream().map(Curve::defense).toList())) {
            List<Curve> of = curves.stream().filter(c -> d.equals(c.defense()) && curveName.equals(c.name())).toList();
            if (!of.isEmpty()) {
                byDefense.put(d, of);
            }
        }
        Map<String, MeanCurve> means = new LinkedHashMap<>();
        int skipped = 0;
        for (Map.Entry<String, List<Curve>> e : byDefense.entrySet()) {
            MeanCurve m = MeanCurve.of(e.getValue());
            skipped += m.skipped();
            if (m.x().length > 0) {
                means.put(e.getKey(), m);
            }
        }
        if (means.isEmpty()) {
            return Optional.empty();
        }
        String caption = tMeaning + "; table cells are the mean backdoor error in percent."
                + (skipped == 0 ? "" : " " + skipped + " curve(s) left out because their t grid differs from the "
                + "first seed's.");
        Supplier<Chart<?, ?>> chart = () -> lmcChart(doc, means, plain(heading), xTitle);
        return Optional.of(new Figure(names.unique(stem), heading, caption, chart, lmcTable(doc, means)));
    }

    private static XYChart lmcChart(ResultsDocument doc, Map<String, MeanCurve> means, String title, String xTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle("backdoor error (%)").build();
        XYStyler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(7);
        st.setYAxisMin(0.0);
        st.setYAxisMax(100.0);
        st.setXAxisMin(0.0);
        st.setXAxisMax(1.0);
        int i = 0;
        for (Map.Entry<String, MeanCurve> e : means.entrySet()) {
            MeanCurve m = e.getValue();
            MeanCurve f = m.finite();
            if (f.x().length == 0) {
                continue;
            }
            XYSeries s = chart.addSeries(e.getKey(), f.x(), percent(f.y()));
            if (ReportWriter.isOracle(doc, e.getKey())) {
                s.setLineColor(ORACLE_COLOR).setLineStyle(SeriesLines.SOLID).setLineWidth(3.5f);
                s.setMarker(SeriesMarkers.NONE);
            } else {
                Color c = PALETTE[i % PALETTE.length];
                s.setLineColor(c).setLineStyle(SeriesLines.DASH_DASH).setLineWidth(1.8f);
                s.setMarker(MARKERS[i % MARKERS.length]).setMarkerColor(c);
                i++;
            }
        }
        return chart;
    }

    private static String lmcTable(ResultsDocument doc, Map<String, MeanCurve> means) {
        // Seeds share one grid, but defenses need not: the columns are the union of their t values.
        TreeSet<BigDecimal> ts = new TreeSet<>();
        means.values().forEach(m -> {
            for (double x : m.x()) {
                ts.add(tKey(x));
            }
        });
        StringBuilder sb = new StringBuilder("| Defense |");
        ts.forEach(t -> sb.append(" t = ").append(t.toPlainString()).append(" |"));
        sb.append("\n|---|").append("---:|".repeat(ts.size())).append('\n');
        for (Map.Entry<String, MeanCurve> e : means.entrySet()) {
            Map<BigDecimal, Double> byT = new HashMap<>();
            MeanCurve m = e.getValue();
            for (int k = 0; k < m.x().length; k++) {
                byT.put(tKey(m.x()[k]), m.y()[k]);
            }
            sb.append("| ").append(ReportWriter.defenseLabel(doc, e.getKey())).append(" |");
            for (BigDecimal t : ts) {
                Double y = byT.get(t);
                sb.append(' ').append(y == null || Double.isNaN(y) ? MISSING : pct(y)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static BigDecimal tKey(double t) {
        return new BigDecimal(t).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    /** The pointwise mean over seeds of curves that share one x grid. */
    record MeanCurve(double[] x, double[] y, int skipped) {
        // The first curve (document order) fixes the grid; a seed with another grid cannot be
        // averaged point by point, so it is left out and counted rather than interpolated.
        static MeanCurve of(List<Curve> seeds) {
            double[] grid = null;
            List<double[]> ys = new ArrayList<>();
            int skipped = 0;
            for (Curve c : seeds) {
                if (c.x() == null || c.y() == null || c.x().length != c.y().length || c.x().length == 0) {
                    skipped++;
                } else if (grid == null) {
                    grid = c.x();
                    ys.add(c.y());
                } else if (sameGrid(grid, c.x())) {
                    ys.add(c.y());
                } else {
                    skipped++;
                }
            }
            if (grid == null) {
                return new MeanCurve(new double[0], new double[0], skipped);
            }
            double[] mean = new double[grid.length];
            for (int k = 0; k < grid.length; k++) {
                final int idx = k;
                // NaN is an undefined point (see ResultRow), a gap rather than a sample.
                mean[k] = ys.stream().mapToDouble(y -> y[idx]).filter(v -> !Double.isNaN(v)).average()
                        .orElse(Double.NaN);
            }
            return new MeanCurve(grid.clone(), mean, skipped);
        }

        // Undefined points are left out of the drawing (the table shows them as missing).
        MeanCurve finite() {
            int n = (int) Arrays.stream(y).filter(v -> !Double.isNaN(v)).count();
            double[] fx = new double[n];
            double[] fy = new double[n];
            for (int k = 0, j = 0; k < x.length; k++) {
                if (!Double.isNaN(y[k])) {
                    fx[j] = x[k];
                    fy[j++] = y[k];
                }
            }
            return new MeanCurve(fx, fy, skipped);
        }

        private static boolean sameGrid(double[] a, double[] b) {
            if (a.length != b.length) {
                return false;
            }
            for (int k = 0; k < a.length; k++) {
                if (Math.abs(a[k] - b[k]) > GRID_TOLERANCE) {
                    return false;
                }
            }
            return true;
        }
    }

    // ---------------------------------------------------------------- QRA (paper Figure 2)

    private record QraBar(String label, String metric) {
    }

    private static final List<QraBar> QRA_BARS = List.of(new QraBar("C-ASR (purified)", "c-asr"),
            new QraBar("P-ASR (purified)", "p-asr"), new QraBar("C-ASR (clean model)", "clean-c-asr"),
            new QraBar("P-ASR (clean model)", "clean-p-asr"));

    private static Section qraSection(ResultsDocument doc, Names names) {
        List<Figure> figures = new ArrayList<>();
        for (Track t : ReportWriter.tracks(doc)) {
            List<ResultRow> trackRows = ReportWriter.rowsOf(doc, t);
            List<ResultRow> rows = trackRows.stream().filter(r -> QRA.equals(r.evaluator())).toList();
            if (rows.isEmpty()) {
                continue;
            }
            List<String> defenses = defenseOrder(doc, rows.stream().map(ResultRow::defense).toList());
            List<String> attacks = ReportWriter.attacks(doc, t).stream()
                    .filter(a -> rows.stream().anyMatch(r -> a.equals(r.attack()))).toList();
            // means.get(bar).get(i) is the bar of defenses.get(i); NaN when a needed attack is missing.
            Map<QraBar, List<Double>> means = new LinkedHashMap<>();
            for (QraBar b : QRA_BARS) {
                means.put(b, defenses.stream().map(d -> meanOverAttacks(rows, attacks,
                        r -> d.equals(r.defense()) && b.metric().equals(r.metric()))).toList());
            }
            String heading = "QRA: " + t.title();
            figures.add(new Figure(names.unique("qra-" + trackName(t)), heading,
                    "Bars are means over attacks (each a mean over seeds); the table gives mean ± std over seeds per "
                            + "attack. The clean model on the same perturbed images is the control: a QRA that only "
                            + "found adversarial noise would fool it too.",
                    () -> qraChart(plain(heading), defenses, means), qraTable(doc, trackRows, defenses, attacks)));
        }
        return new Section("Query-based Reactivation Attack (QRA)", "Attack success rate (percent) of the purified "
                + "model and of the clean reference model on clean (C-ASR) and poisoned (P-ASR) test images carrying "
                + "the QRA perturbation (the paper's Figure 2).", figures);
    }

    private static CategoryChart qraChart(String title, List<String> defenses, Map<QraBar, List<Double>> means) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("defense").yAxisTitle("ASR (%)").build();
        CategoryStyler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setYAxisMin(0.0);
        st.setYAxisMax(100.0);
        // Purified model in full colour, the clean-model control in the light shade of the same hue.
        st.setSeriesColors(new Color[]{PALETTE[0], ORACLE_COLOR, new Color(0xAEC7E8), new Color(0xFF9896)});
        if (defenses.stream().mapToInt(String::length).max().orElse(0) > 12) {
            st.setXAxisLabelRotation(30);
        }
        for (Map.Entry<QraBar, List<Double>> e : means.entrySet()) {
            // A missing bar is drawn as absent (null), never as a 0% bar that looks like a result.
            chart.addSeries(e.getKey().label(), defenses,
                    e.getValue().stream().map(v -> Double.isNaN(v) ? null : (Number) (100 * v)).toList());
        }
        return chart;
    }

    /** A table column: one metric of one evaluator. */
    private record Column(String evaluator, String metric) {
    }

    // O-ASR (accuracy's ASR, no perturbation) first: QRA "reactivates" only where its P-ASR rises above it.
    private static final List<Column> QRA_COLUMNS = List.of(new Column(ReferenceRows.O_ASR.evaluator(), ReferenceRows.O_ASR.metric()),
            new Column(QRA, "c-asr"),
            new Column(QRA, "p-asr"), new Column(QRA, "clean-c-asr"), new Column(QRA, "clean-p-asr"), new Column(QRA, "ra-p-asr"));

    private static String qraTable(ResultsDocument doc, List<ResultRow> trackRows, List<String> defenses, List<String> attacks) {
        StringBuilder sb = new StringBuilder("| Defense | Attack | O-ASR | C-ASR | P-ASR | clean C-ASR | clean P-ASR | RA P-ASR |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (String d : defenses) {
            String label = ReportWriter.defenseLabel(doc, d);
            for (String a : attacks) {
                sb.append("| ").append(label).append(" | ").append(md(a)).append(" |");
                for (Column c : QRA_COLUMNS) {
                    sb.append(' ').append(ReportWriter.meanStd(ReportWriter.values(trackRows,
                            r -> d.equals(r.defense()) && a.equals(r.attack()) && c.evaluator().equals(r.evaluator())
                                    && c.metric().equals(r.metric())))).append(" |");
                }
                sb.append('\n');
            }
            sb.append("| ").append(label).append(" | mean over attacks |");
            for (Column c : QRA_COLUMNS) {
                double v = meanOverAttacks(trackRows, attacks,
                        r -> d.equals(r.defense()) && c.evaluator().equals(r.evaluator()) && c.metric().equals(r.metric()));
                sb.append(' ').append(Double.isNaN(v) ? MISSING : pct(v)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- QRA transfer (paper Figure 3)

    private static Section transferSection(ResultsDocument doc, Names names) {
        List<Figure> figures = new ArrayList<>();
        for (Track t : ReportWriter.tracks(doc)) {
            List<ResultRow> rows = ReportWriter.rowsOf(doc, t).stream()
                    .filter(r -> QRA_TRANSFER.equals(r.evaluator()) && r.defense() != null && r.metric() != null
                            && r.metric().startsWith(P_ASR_FROM)).toList();
            if (rows.isEmpty()) {
                continue;
            }
            List<String> targets = defenseOrder(doc, rows.stream().map(ResultRow::defense).toList());
            List<String> sources = defenseOrder(doc, rows.stream().map(Figures::source).toList());
            List<String> attacks = ReportWriter.attacks(doc, t).stream()
                    .filter(a -> rows.stream().anyMatch(r -> a.equals(r.attack()))).toList();
            double[][] matrix = new double[sources.size()][targets.size()];
            for (int i = 0; i < sources.size(); i++) {
                String metric = P_ASR_FROM + sources.get(i);
                for (int j = 0; j < targets.size(); j++) {
                    String b = targets.get(j);
                    matrix[i][j] = meanOverAttacks(rows, attacks, r -> b.equals(r.defense()) && metric.equals(r.metric()));
                }
            }
            String heading = "QRA transfer: " + t.title();
            figures.add(new Figure(names.unique("qra-transfer-" + trackName(t)), heading,
                    "Row A, column B: P-ASR (percent) of B's purified model on poisoned test images carrying the "
                            + "perturbation QRA crafted against A, mean over attacks (each a mean over seeds). The last "
                            + "column averages over the other purified targets (B ≠ A" + baselinesLeftOut(doc) + "), "
                            + "the paper's Figure 3 number.",
                    () -> transferChart(plain(heading), sources, targets, matrix),
                    transferTable(doc, sources, targets, matrix)));
        }
        return new Section("QRA transferability", "Whether QRA perturbations crafted against one defense's model "
                + "(source) reactivate the backdoor in another defense's model (target).", figures);
    }

    private static String source(ResultRow r) {
        return r.metric().substring(P_ASR_FROM.length());
    }

    private static HeatMapChart transferChart(String title, List<String> sources, List<String> targets,
                                              double[][] matrix) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("target defense (model attacked)").yAxisTitle("source defense (perturbation from)").build();
        HeatMapStyler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setPlotContentSize(1.0);
        // A fixed 0..100 scale keeps colours comparable between tracks and runs.
        st.setShowValue(true);
        st.setMin(0);
        st.setMax(100);
        st.setHeatMapValueDecimalPattern("0.0");
        // White to red through orange: darker always means a higher P-ASR (a worse defense).
        st.setRangeColors(new Color[]{Color.WHITE, new Color(0xFDAE6B), ORACLE_COLOR});
        // XChart draws the first y category at the bottom; reverse so the table's first row is on top.
        List<String> ys = new ArrayList<>(sources);
        Collections.reverse(ys);
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            for (int j = 0; j < targets.size(); j++) {
                if (!Double.isNaN(matrix[i][j])) {
                    cells.add(new Number[]{j, sources.size() - 1 - i, 100 * matrix[i][j]});
                }
            }
        }
        chart.addSeries("P-ASR (%)", targets, ys, cells);
        return chart;
    }

    private static String transferTable(ResultsDocument doc, List<String> sources, List<String> targets,
                                        double[][] matrix) {
        StringBuilder sb = new StringBuilder("| Source / target |");
        targets.forEach(b -> sb.append(' ').append(md(b)).append(" |"));
        sb.append(" mean over other targets |\n|---|").append("---:|".repeat(targets.size() + 1)).append('\n');
        for (int i = 0; i < sources.size(); i++) {
            String a = sources.get(i);
            sb.append("| ").append(ReportWriter.defenseLabel(doc, a)).append(" |");
            List<Double> others = new ArrayList<>();
            for (int j = 0; j < targets.size(); j++) {
                double v = matrix[i][j];
                sb.append(' ').append(Double.isNaN(v) ? MISSING : pct(v)).append(" |");
                // The paper's number averages over the other purifications: not A itself, not the references.
                if (!a.equals(targets.get(j)) && !ReportWriter.isReference(doc, targets.get(j))) {
                    others.add(v);
                }
            }
            // Like the paper table's Average: a gap would make sources incomparable, so it blanks the mean.
            boolean complete = !others.isEmpty() && others.stream().noneMatch(v -> Double.isNaN(v));
            sb.append(' ').append(complete ? pct(ReportWriter.mean(others)) : MISSING).append(" |\n");
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- shared

    /**
     * The mean over attacks of each attack's mean over seeds, so an attack run with more seeds does
     * not weigh more. Any attack without data makes it NaN, as the paper table's Average does.
     */
    static double meanOverAttacks(List<ResultRow> rows, List<String> attacks, Predicate<ResultRow> filter) {
        if (attacks.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (String a : attacks) {
            double m = ReportWriter.mean(ReportWriter.values(rows, filter.and(r -> a.equals(r.attack()))));
            if (Double.isNaN(m)) {
                return Double.NaN;
            }
            sum += m;
        }
        return sum / attacks.size();
    }

    // The report's defense order (plugins, then first appearance), extended by names that only
    // occur here (e.g. a source defense without rows of its own).
    private static List<String> defenseOrder(ResultsDocument doc, List<String> present) {
        Set<String> here = new HashSet<>(present);
        Set<String> out = new LinkedHashSet<>();
        ReferenceRows.defenses(doc).stream().filter(here::contains).forEach(out::add);
        present.stream().filter(d -> d != null).forEach(out::add);
        return new ArrayList<>(out);
    }

    private static Map<String, CellInfo> cellsById(ResultsDocument doc) {
        Map<String, CellInfo> out = new HashMap<>();
        doc.getCells().forEach(c -> out.putIfAbsent(c.cellId(), c));
        return out;
    }

    private static boolean inTrackAndAttack(CellInfo c, Track t, String attack) {
        return c != null && t.matches(c) && attack.equals(c.attack());
    }

    private static double[] percent(double[] fractions) {
        double[] out = new double[fractions.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = 100 * fractions[k];
        }
        return out;
    }

    // Chart titles are drawn, not parsed as markdown: undo the markdown escaping of the heading.
    private static String plain(String markdown) {
        return markdown.replaceAll("\\\\(.)", "$1");
    }

    static String trackName(Track t) {
        return safe(t.dataset()) + "-" + safe(t.model()) + "-" + safe(ReportWriter.rate(t.poisonRate()).replace("%", "pct"));
    }

    /**
     * A user-supplied name reduced to [a-z0-9-] so it can be one part of a file name: no path
     * separators, no dots (so no "..") and nothing a shell or URL would treat specially.
     */
    static String safe(String s) {
        if (s == null) {
            return "x";
        }
        String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (out.length() > MAX_NAME_PART) {
            out = out.substring(0, MAX_NAME_PART).replaceAll("-+$", "");
        }
        return out.isEmpty() ? "x" : out;
    }

    /** Keeps file names unique: sanitising is lossy, so "a/b" and "a-b" would otherwise collide. */
    static final class Names {
        private final Set<String> used = new HashSet<>();

        String unique(String stem) {
            String name = stem;
            for (int n = 2; !used.add(name); n++) {
                name = stem + "-" + n;
            }
            return name;
        }
    }

    /** ", references none and clean left out" for the document's baselines (by role), named as its rows name them. */
    private static String baselinesLeftOut(ResultsDocument doc) {
        List<String> baselines = ReferenceRows.defenses(doc).stream().filter(d -> ReferenceRows.isBaseline(doc, d)).toList();
        return baselines.isEmpty() ? "" : ", references " + String.join(" and ", baselines) + " left out";
    }
}
