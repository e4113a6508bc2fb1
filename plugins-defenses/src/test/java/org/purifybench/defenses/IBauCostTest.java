package org.purifybench.defenses;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckData;

/**
 * Measurements at the real scale (Fashion-MNIST shape 1x28x28, 10 classes, cnn-small of width 32,
 * 2,500 tuning images, batches of 100), too slow for every build: run with
 * {@code mvn -pl plugins-defenses test -Dtest=IBauCostTest -Dibau.cost=true}. Prints the accuracy of
 * both second-order products against references and the time of one I-BAU round.
 */
@EnabledIfSystemProperty(named = "ibau.cost", matches = "true")
class IBauCostTest {
    private static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    private static final double REG = 0.001;

    private static Model trained(TckData data) {
        return trained(data, 32);
    }

    private static Model trained(TckData data, int width) {
        Model m = Tck.cnnSmall(SHAPE, 10, width, 1);
        long t0 = System.nanoTime();
        Tck.quietHost().trainer().train(m, data.train(), TrainConfig.sgd(2, 64, 0.05), StepHook.PLAIN, 1, "cost model");
        System.out.printf("trained cnn-small on %d synthetic images in %.1f s%n", data.train().size(), (System.nanoTime() - t0) / 1e9);
        return m;
    }

    @Test
    void secondOrderProductsAtRealScale() {
        TckData data = Tck.syntheticImages(SHAPE, 10, 2500, 100, 5);
        Model model = trained(data);
        Model exactModel = Tck.cnnSmall(SHAPE, 10, 32, "double", 1);
        exactModel.copyFrom(model);
        var host = Tck.quietHost();
        IBau.Settings s = IBau.Settings.from(Params.empty());
        int[] clean = new int[data.train().size()];
        INDArray delta = IBau.universalPerturbation(model, data.train(), s, clean);
        INDArray dd = delta.castTo(DataType.DOUBLE);
        LabeledImages batch = data.train().range(0, 100);
        int[] y = batch.labels();
        // A direction that is never 0: the outer loss's delta-gradient with every image patched.
        INDArray v = IBau.outer(model, host.trainer(), batch, delta, 1.0, new SplittableRandom(1)).gradDelta();
        INDArray vd = v.castTo(DataType.DOUBLE);
        System.out.printf("delta norm %.3f, v norm %.3e%n", delta.norm2Number().doubleValue(), v.norm2Number().doubleValue());

        // H v: exact (1/n) sum J^T S J form on the double copy, J v over a step of 1e-7.
        INDArray xs = IBau.shifted(batch.images(), dd);
        double t = 1e-7 / vd.norm2Number().doubleValue();
        INDArray jv = exactModel.logits(IBau.shifted(xs, vd.mul(t))).sub(exactModel.logits(IBau.shifted(xs, vd.mul(-t)))).divi(2 * t);
        INDArray p = Transforms.softmax(exactModel.logits(xs), false);
        INDArray pjv = p.mul(jv);
        INDArray su = pjv.sub(p.mulColumnVector(pjv.sum(true, 1))).divi(y.length);
        INDArray exactCe = exactModel.inputGradient(xs, su, null).sum(true, 0).negi();
        INDArray exactHv = exactCe.add(vd.mul(2 * REG));
        System.out.printf("||0.1 H v|| / ||v|| = %.3e, of which cross-entropy %.3e%n",
                0.1 * exactHv.norm2Number().doubleValue() / vd.norm2Number().doubleValue(),
                0.1 * exactCe.norm2Number().doubleValue() / vd.norm2Number().doubleValue());

        // Mixed product: reference = central difference on the double copy at the smallest step
        // (no kink crossed), checked for a plateau against the next larger step.
        IBau.InnerLoss innerDouble = new IBau.InnerLoss(exactModel, host.trainer(), batch.images(), y, REG, IBau.JACOBIAN);
        Map<String, INDArray> mixedRef = new ImplicitHypergradient(5, 0.1, 1e-7).mixedHvp(innerDouble, dd, vd);
        Map<String, INDArray> mixedNext = new ImplicitHypergradient(5, 0.1, 1e-6).mixedHvp(innerDouble, dd, vd);
        System.out.printf("mixed reference plateau: eps 1e-6 vs 1e-7 differ by %.2e%n", HvpTest.relativeError(mixedNext, mixedRef));
        IBau.InnerLoss jac = new IBau.InnerLoss(model, host.trainer(), batch.images(), y, REG, IBau.JACOBIAN);
        IBau.InnerLoss grd = new IBau.InnerLoss(model, host.trainer(), batch.images(), y, REG, IBau.GRADIENT_DIFFERENCE);
        for (double eps : new double[] {1, 1e-1, 1e-2, 1e-3, 1e-4}) {
            ImplicitHypergradient hg = new ImplicitHypergradient(5, 0.1, eps);
            System.out.printf("fd-eps %.0e: H v jacobian %.2e, gradient-difference %.2e; mixed float32 %.2e%n", eps,
                    HvpTest.relativeError(hg.deltaHvp(jac, delta, v), exactHv), HvpTest.relativeError(hg.deltaHvp(grd, delta, v), exactHv),
                    HvpTest.relativeError(hg.mixedHvp(jac, delta, v), mixedRef));
        }

        // What reaches the parameters: the hypergradient of real outer steps (1% patched) against
        // the one with the double-precision reference products.
        for (int b = 0; b < 5; b++) {
            LabeledImages mb = data.train().range(100 * b, 100 * b + 100);
            IBau.Outer outer = IBau.outer(model, host.trainer(), mb, delta, s.portion(), new SplittableRandom(b));
            if (outer.gradDelta().norm2Number().doubleValue() == 0) {
                System.out.printf("batch %d: dL_out/ddelta = 0 (saturated softmax): hypergradient = outer gradient%n", b);
                continue;
            }
            Map<String, INDArray> gTheta = new java.util.LinkedHashMap<>();
            outer.gradTheta().forEach((k, g) -> gTheta.put(k, g.castTo(DataType.DOUBLE)));
            IBau.InnerLoss refInner = new IBau.InnerLoss(exactModel, host.trainer(), mb.images(), mb.labels(), REG, IBau.JACOBIAN);
            Map<String, INDArray> ref = new ImplicitHypergradient(5, 0.1, 1e-7).hypergradient(refInner, dd,
                    outer.gradDelta().castTo(DataType.DOUBLE), gTheta);
            StringBuilder line = new StringBuilder(String.format("batch %d: ||implicit term|| / ||outer gradient|| = %.3f; hypergradient error",
                    b, HvpTest.relativeError(ref, gTheta)));
            IBau.InnerLoss fl = new IBau.InnerLoss(model, host.trainer(), mb.images(), mb.labels(), REG, IBau.JACOBIAN);
            for (double eps : new double[] {1, 1e-1, 1e-2, 1e-3}) {
                Map<String, INDArray> h = new ImplicitHypergradient(5, 0.1, eps).hypergradient(fl, delta, outer.gradDelta(), outer.gradTheta());
                line.append(String.format(" eps %.0e: %.3f", eps, HvpTest.relativeError(h, ref)));
            }
            System.out.println(line);
        }
    }

    @Test
    void oneRoundAtRealScale() {
        TckData data = Tck.syntheticImages(SHAPE, 10, 2500, 100, 5);
        Model model = trained(data);
        var host = Tck.host(System.out);
        IBau defense = new IBau();
        var ctx = Tck.defenseContext(defense.descriptor(), model, data.train(), data.test(), null, () -> model,
                1, new Params(Map.of("rounds", 1)), host);
        long t0 = System.nanoTime();
        defense.purify(ctx);
        System.out.printf("one round with the defaults, 2500 images: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        IBau.universalPerturbation(model, data.train(), IBau.Settings.from(Params.empty()), new int[2500]);
        System.out.printf("of which the perturbation pass: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        Tck.quietHost().trainer().train(model.copy(), data.train(), TrainConfig.sgd(1, 100, 0.01), StepHook.PLAIN, 1, "epoch");
        System.out.printf("for scale: one plain training epoch at batch 100: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** The whole defense with its defaults at the standard profile's size: 500 tuning images (5% of 10,000), width 16. */
    @Test
    void wholeDefenseAtTheStandardProfilesSize() {
        TckData data = Tck.syntheticImages(SHAPE, 10, 3000, 100, 6);
        LabeledImages train = data.train().range(0, 2500);
        LabeledImages tuning = data.train().range(2500, 3000);
        Model model = trained(new TckData(train, data.test()), 16);
        var host = Tck.host(System.out);
        IBau defense = new IBau();
        var ctx = Tck.defenseContext(defense.descriptor(), model, tuning, data.test(), null, () -> model,
                1, Params.empty(), host);
        long t0 = System.nanoTime();
        defense.purify(ctx);
        System.out.printf("whole defense with the defaults (5 rounds), 500 tuning images, width 16: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        Tck.quietHost().trainer().train(model.copy(), tuning, TrainConfig.sgd(1, 100, 0.01), StepHook.PLAIN, 1, "epoch");
        System.out.printf("for scale: one plain training epoch over them at batch 100: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
