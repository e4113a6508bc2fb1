package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;

/**
 * Guards the BatchNorm rewrite for speed (x * scale + shift with var = E[x^2] - E[x]^2: 5 instead
 * of 7 full-size ops per layer): outputs, batch statistics, loss and every parameter's gradient
 * equal, in float64, the values the previous formula ((x - mean) * scale + beta with the centred
 * second moment) gave for the same seed and input. The expected numbers were printed by that
 * formula at commit d52b9e5 (the previous formula: GraphBuilder.batchNorm in that commit).
 */
class BatchNormFormulaTest {
    private static final ImageShape SMALL = new ImageShape(1, 8, 8);

    /** Train-mode logits, batch mean/var of the first BN, loss, a projection of each gradient, eval-mode logits. */
    static double[] fingerprint(String arch) {
        SdModel m = SdModel.create(new ModelSpec(arch, SMALL, 3, 2, "double"), 7);
        Nd4j.getRandom().setSeed(1);
        // Far from N(0, 1) so the one-pass variance has something to cancel.
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 8, 8).muli(5).addi(3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        List<Double> out = new ArrayList<>();
        add(out, m.forward(x, true));
        SdModel.Step step = m.step(x, y);
        String[] firstBn = m.batchNormNames().get(0);
        add(out, step.outputs().get(firstBn[2]));
        add(out, step.outputs().get(firstBn[3]));
        out.add(step.loss());
        for (Map.Entry<String, INDArray> e : step.gradients().entrySet()) {
            INDArray g = e.getValue();
            INDArray probe = Nd4j.linspace(DataType.DOUBLE, 1, g.length(), g.length()).reshape(g.shape());
            out.add(g.mul(org.nd4j.linalg.ops.transforms.Transforms.sin(probe)).sumNumber().doubleValue());
        }
        m.updateBatchNormStats(step, 0.5);
        add(out, m.forward(x, false));
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void add(List<Double> out, INDArray a) {
        for (double v : a.dup().reshape(-1).toDoubleVector()) {
            out.add(v);
        }
    }

    private static void assertSame(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-9 * Math.max(1, Math.abs(expected[i])), "value " + i);
        }
    }

    @Test
    void cnnSmallEqualsThePreviousFormula() {
        assertSame(CNN_SMALL, fingerprint(ModelSpec.CNN_SMALL));
    }

    @Test
    void preActResNet18EqualsThePreviousFormula() {
        assertSame(PREACT, fingerprint(ModelSpec.PREACT_RESNET18));
    }

    private static final double[] CNN_SMALL = {
        -0.10831788902373504, -0.36026082585351793, 0.14971984353386036, -0.1778467466242093,
        -0.3512070820954027, 0.571506608838215, -0.41720764022666323, -1.3469998372431382,
        0.2721459950139965, 0.10971827611355989, -1.480575329639668, -0.14169298401245634,
        4.393418841470548, -7.155063692396039, 18.016049094671125, 20.531442014783753,
        0.9713583102071496, -0.4508125099397936, -0.3960602368962395, 0.7969892099714732,
        -0.1361578254466607, -0.09575899587994406, 0.0765749359403412, 0.37342350158226606,
        0.5370049265714181, 0.08266980928409176, -0.20991363478565744, -0.038893861315444506,
        0.004188147151148618, 0.48100071234815833, -0.23768003174681876, 0.14389126784459577,
        -3.2783825688975363, 0.0642300759060227, -0.37774718817587455, -3.4563207668447027,
        1.031679972412436, 0.11313277622034534, -3.3144456342757196, 0.7255024198837943,
        0.3820754293266745, -4.111479983846227, 0.3806181197256099,
    };
    private static final double[] PREACT = {
        0.29952797828396754, -0.8251978419359025, 0.14971179507763682, 0.22239822749740526,
        -0.415982716252633, 0.401537557906236, -0.01403771588732991, -0.5105859471370933,
        0.47857391716391, 0.6292127864617281, -1.145209282446508, -0.3468392148826932,
        4.393418841470548, -7.155063692396039, 18.016049094671125, 20.531442014783753,
        0.885745771227698, -0.7241968401025617, 0.8865561599166021, -0.09594221411839202,
        0.044707130347166314, 0.026793029455345632, 0.09006906737546852, 0.06334774168130125,
        0.0444008907155936, 0.19311100444219434, 0.5761318437117877, 0.5338836475503366,
        2.13063555290262, 0.06318753370629462, 0.040163969265881394, -0.2393813741549411,
        0.0351180329287386, 0.032903351256724, 0.13267732411754807, -0.005360911347186746,
        0.02560252460612162, -0.16021716346022571, -0.02062769366193573, -0.07487132035638269,
        0.023558103690251173, 0.11718970933254141, 0.1771928031148027, 0.08177577627078832,
        0.08910801529270299, 0.5485962784587518, 0.01757928741144954, 0.36540935949904946,
        0.09521417981511582, -0.09101075118546648, 0.03172035107952558, -0.07759461591399862,
        0.6617228346609191, -0.14183739212391197, -0.19229185631490062, -0.14293623944298256,
        0.1379466369878586, -0.02907337132803632, -0.02203152306172732, -0.10589997112434325,
        -0.3475640555395303, 0.04092857889056109, -0.3183482939500232, 0.1975867313146315,
        0.05594812321933124, 0.12924352062974725, -0.12875321422025868, -0.48459991257829,
        -0.5033850409883589, -0.009671372521139438, 0.10895400061089229, 0.10302864305472453,
        0.24249845498505518, 0.5148138648714953, -1.044208556465895, -1.1888210489893596,
        0.7308244211043988, -0.815032756840711, -0.8161493237163449, 0.6428415457563661,
        -0.840367453217167, -2.556485838834367, 0.6925213624759945, -1.1172399824187376,
        -2.1353812610922542,
    };
}
