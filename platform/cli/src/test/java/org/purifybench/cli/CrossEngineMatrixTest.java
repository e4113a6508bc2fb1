package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.TDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;

/**
 * The same matrix on both engines gives statistically equal metrics. The engines start from
 * bit-identical weights but sum in different orders, so trained models drift apart like two
 * machines' would: the test is statistical, over 5 seeds. For every metric (C-Acc, ASR, P-ASR, ...
 * of every defense) the paired per-seed differences pytorch - nd4j must not reject "equal means" in a
 * two-sided paired t-test at alpha = 0.01, or differ by at most 2 points on average (a difference
 * too small to matter, which a t-test on near-identical values could still call significant).
 * The t distribution comes from commons-math3, which ND4J brings at compile scope: declaring it here
 * with test scope would drop it from the launcher's lib folder (ND4J needs it at run time).
 */
class CrossEngineMatrixTest {
    /** The runner tests' tiny matrix (BadNet; none, clean, FT, EP) with accuracy and RA, over 5 seeds. */
    static final String MATRIX = MatrixRunnerTest.TINY.replace("name: tiny", "name: engines")
            .replace(", {id: lmc, params: {points: 3}}]", "]").replace("seeds: [0]", "seeds: [0, 1, 2, 3, 4]");
    static final double ALPHA = 0.01;
    static final double NEGLIGIBLE = 0.02;

    /** metric key (defense / evaluator / metric) -> value per seed. */
    static Map<String, double[]> bySeed(List<ResultRow> rows, int seeds) {
        Map<String, double[]> out = new TreeMap<>();
        for (ResultRow r : rows) {
            if (!Double.isFinite(r.value()) || r.evaluator().equals(MatrixRunner.DIAGNOSTICS)) {
                continue;
            }
            out.computeIfAbsent(r.defense() + " / " + r.evaluator() + " / " + r.metric(), k -> new double[seeds])[(int) r.seed()] = r.value();
        }
        return out;
    }

    @Test
    void bothEnginesGiveStatisticallyEqualMetricsOnAQuickMatrix(@TempDir Path work) throws Exception {
        assertTrue(MATRIX.contains("seeds: [0, 1, 2, 3, 4]") && !MATRIX.contains("lmc"), MATRIX);
        MatrixSpec nd4j = ParamsCliTest.parse(MATRIX);
        MatrixSpec pytorch = nd4j.withEngine("pytorch", "cpu");
        assertTrue(!MatrixRunner.runId(nd4j).equals(MatrixRunner.runId(pytorch)), "the engine is part of the run id");
        MatrixRunner.Outcome a = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(nd4j, MatrixRunnerTest.DATA, false);
        MatrixRunner.Outcome b = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(pytorch, MatrixRunnerTest.DATA, false);
        assertEquals(a.unitsComputed(), b.unitsComputed(), "the pytorch run shares no cached model with the nd4j run");
        assertTrue(b.document().getProvenance().engine().startsWith("pytorch"), b.document().getProvenance().engine());
        Map<String, double[]> x = bySeed(a.document().getRows(), 5);
        Map<String, double[]> y = bySeed(b.document().getRows(), 5);
        assertEquals(x.keySet(), y.keySet(), "the same table on both engines");
        assertTrue(x.size() >= 12, "metrics compared: " + x.keySet());
        List<String> differ = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        TDistribution t = new TDistribution(4);
        for (String k : x.keySet()) {
            double[] d = new double[5];
            double mean = 0;
            for (int i = 0; i < 5; i++) {
                d[i] = y.get(k)[i] - x.get(k)[i];
                mean += d[i] / 5;
            }
            double ss = 0;
            for (double v : d) {
                ss += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(ss / 4);
            double p = sd == 0 ? (mean == 0 ? 1 : 0) : 2 * (1 - t.cumulativeProbability(Math.abs(mean) / (sd / Math.sqrt(5))));
            all.append(String.format("%n  %-40s mean diff %+.4f sd %.4f p %.3f", k, mean, sd, p));
            if (p < ALPHA && Math.abs(mean) > NEGLIGIBLE) {
                differ.add(k);
            }
        }
        System.out.println("pytorch - nd4j per metric over 5 seeds:" + all);
        assertTrue(differ.isEmpty(), "metrics that differ between the engines: " + differ + all);
    }
}
