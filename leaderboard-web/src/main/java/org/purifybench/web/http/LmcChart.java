package org.purifybench.web.http;

import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import org.purifybench.web.board.DefenseService;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The defense page's LMC chart (the paper's Figure 4 for one defense): error along the straight
 * line from the backdoored (t=0) to the purified (t=1) weights, one line per attack and curve.
 */
@Singleton
public class LmcChart {

    // Names come from uploaded documents and end up inside SVG text; keep only harmless characters.
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9 ._:+/()-]");

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * The two paths the lmc evaluator walks: backdoored to purified, curves "backdoor-error" and
     * "clean-error"; purified to the oracle, the same names prefixed with the oracle's id ("ep-" for
     * the built-in EP, another id for another oracle).
     */
    public enum Path {
        BACKDOORED("", "t (0 = backdoored, 1 = purified)", "backdoored to purified"),
        EP("ep-", "t (0 = purified, 1 = EP, the oracle)", "purified to EP");

        final String prefix;
        final String axis;
        final String title;

        Path(String prefix, String axis, String title) {
            this.prefix = prefix;
            this.axis = axis;
            this.title = title;
        }

        boolean contains(String curveName) {
            return this == EP ? DefenseService.isOraclePath(curveName) : !DefenseService.isOraclePath(curveName);
        }
    }

    /**
     * @param curves "attack curve-name" -> {x, y}; only the curves of {@code path} are drawn,
     *               clean-error dashed, backdoor-error solid
     */
    public byte[] svg(String defense, Path path, Map<String, double[][]> curves) throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(360).title(safe("LMC " + path.title + ": " + defense))
                .xAxisTitle(path.axis).yAxisTitle("error (%)").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setLegendVisible(true).setChartTitleVisible(true)
                .setChartBackgroundColor(java.awt.Color.WHITE);
        java.util.Set<String> used = new java.util.HashSet<>();
        curves.forEach((name, xy) -> {
            String curveName = name.substring(name.indexOf(' ') + 1);
            if (!path.contains(curveName)) {
                return;
            }
            double[] y = Arrays.stream(xy[1]).map(v -> 100 * v).toArray();
            String label = safe(name);
            while (!used.add(label)) {
                label = label + "'"; // two names that differ only in unsafe characters
            }
            XYSeries s = chart.addSeries(label, xy[0], y);
            s.setMarker(SeriesMarkers.NONE);
            if (curveName.endsWith("clean-error")) {
                s.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return out.toByteArray();
    }

    static String safe(String s) {
        return UNSAFE.matcher(s).replaceAll("_");
    }
}
