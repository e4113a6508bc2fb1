package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The builder must draw the same initial weights, in the same order, as the three generators' own copies did. */
class NetBuilderTest {
    /** The copies' uniform(random, bound, rows, cols). */
    private static float[] oldUniform(SplittableRandom random, double bound, long rows, long cols) {
        float[] v = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return v;
    }

    /** The copies' normal(random, std, shape...). */
    private static float[] oldNormal(SplittableRandom random, double std, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] values(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    @Test
    void initialWeightsAreTheOldDrawsInTheOldOrder() {
        long seed = 11;
        SameDiff sd = SameDiff.create();
        NetBuilder net = new NetBuilder(sd, seed);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2, 6, 6);
        SDVariable h = net.conv3x3(x, 2, 4, 1, "c1", 0.3); // TriggerGenerator / StegaEncoder convolutions
        SDVariable flat = h.reshape(-1, 4 * 6 * 6);
        SDVariable m = net.reluMlp(flat, 4 * 6 * 6, 2, 5, "h"); // PerturbationGenerator's hidden layers
        net.dense(m, 5, 3, "out");
        net.param("pattern", net.normal(0.5, 1, 2, 6, 6));

        SplittableRandom old = new SplittableRandom(seed);
        Map<String, INDArray> p = net.params();
        assertEquals(List.of("c1_W", "c1_b", "h1_W", "h1_b", "h2_W", "h2_b", "out_W", "out_b", "pattern"), List.copyOf(p.keySet()));
        assertArrayEquals(oldNormal(old, 0.3, 3 * 3 * 2 * 4), values(p.get("c1_W")));
        assertArrayEquals(new long[] {3, 3, 2, 4}, p.get("c1_W").shape());
        assertArrayEquals(new float[4], values(p.get("c1_b")));
        double b1 = 1 / Math.sqrt(4 * 6 * 6);
        assertArrayEquals(oldUniform(old, b1, 4 * 6 * 6, 5), values(p.get("h1_W")));
        assertArrayEquals(oldUniform(old, b1, 1, 5), values(p.get("h1_b")));
        assertArrayEquals(oldUniform(old, 1 / Math.sqrt(5), 5, 5), values(p.get("h2_W")));
        assertArrayEquals(oldUniform(old, 1 / Math.sqrt(5), 1, 5), values(p.get("h2_b")));
        assertArrayEquals(oldUniform(old, 1 / Math.sqrt(5), 5, 3), values(p.get("out_W")));
        assertArrayEquals(oldUniform(old, 1 / Math.sqrt(5), 1, 3), values(p.get("out_b")));
        assertArrayEquals(oldNormal(old, 0.5, 2 * 6 * 6), values(p.get("pattern")));
    }

    @Test
    void theGraphComputesWhatItSays() {
        SameDiff sd = SameDiff.create();
        NetBuilder net = new NetBuilder(sd, 3);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        net.dense(x, 4, 2, "d").rename("y");
        INDArray in = Nd4j.rand(DataType.FLOAT, 3, 4);
        INDArray expected = in.mmul(net.params().get("d_W")).addRowVector(net.params().get("d_b"));
        assertEquals(expected, sd.output(Map.of("x", in), "y").get("y"));
        sd.setLossVariables(sd.getVariable("y").sum().name());
        Graphs.compileGradients(sd);
        assertEquals(net.params().keySet(), sd.calculateGradients(Map.of("x", in), net.params().keySet()).keySet());
        assertThrows(IllegalArgumentException.class, () -> net.param("d_W", Nd4j.zeros(1)));
    }
}
