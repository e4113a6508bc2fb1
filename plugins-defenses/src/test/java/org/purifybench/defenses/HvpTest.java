package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckFixture;

/**
 * The finite-difference Hessian-vector products of {@link ImplicitHypergradient}, assembled from
 * I-BAU's inner loss ({@link IBau#innerLoss}), against exact values.
 */
class HvpTest {
    private static final double REG = 0.001;
    private static final ImageShape SHAPE = new ImageShape(1, 3, 3);
    private static final int CLASSES = 4;
    private static final int N = 6;

    static INDArray random(SplittableRandom r, DataType type, double lo, double hi, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Nd4j.create(r.doubles(n, lo, hi).toArray(), shape, DataType.DOUBLE).castTo(type);
    }

    static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / e.norm2Number().doubleValue();
    }

    static double relativeError(Map<String, INDArray> actual, Map<String, INDArray> expected) {
        double diff = 0;
        double norm = 0;
        for (String k : expected.keySet()) {
            INDArray e = expected.get(k).castTo(DataType.DOUBLE);
            double d = actual.get(k).castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue();
            double n = e.norm2Number().doubleValue();
            diff += d * d;
            norm += n * n;
        }
        return Math.sqrt(diff / norm);
    }

    /** A softmax regression with a batch, delta and direction v, all seeded. */
    record Linear(LinearSoftmax model, INDArray x, int[] y, INDArray delta, INDArray v) {
        static Linear make(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            LinearSoftmax m = new LinearSoftmax(SHAPE, CLASSES, seed);
            INDArray x = random(r, DataType.DOUBLE, 0, 1, N, 1, 3, 3);
            int[] y = r.ints(N, 0, CLASSES).toArray();
            return new Linear(m, x, y, random(r, DataType.DOUBLE, -0.5, 0.5, 1, 1, 3, 3), random(r, DataType.DOUBLE, -1, 1, 1, 1, 3, 3));
        }

        IBau.InnerLoss inner(String hvp) {
            return new IBau.InnerLoss(model, new LinearSoftmax.ExactTrainer(), x, y, REG, hvp);
        }

        /** rows S_i W^T v with S_i = diag(p_i) - p_i p_i^T, p_i at x_i + delta. */
        INDArray curvatureTimesLogitDirection(INDArray v) {
            INDArray p = model.probabilities(IBau.shifted(x, delta));
            INDArray u = v.reshape(1, -1).mmul(model.w); // [1, K]
            INDArray pu = p.mulRowVector(u);
            return pu.sub(p.mulColumnVector(pu.sum(true, 1)));
        }

        /** H v of L_in = -mean CE + reg ||delta||^2: -(1/n) sum_i W S_i W^T v + 2 reg v. */
        INDArray exactHv(double ceFactor, double regFactor) {
            return exactHv(v, ceFactor, regFactor);
        }

        INDArray exactHv(INDArray v, double ceFactor, double regFactor) {
            INDArray su = curvatureTimesLogitDirection(v);
            INDArray ce = model.w.mmul(su.sum(true, 0).transpose()).divi(N).reshape(v.shape());
            return ce.muli(-ceFactor).addi(v.mul(2 * REG * regFactor));
        }

        /**
         * grad_theta &lt;grad_delta L_in, v&gt;: with u = W^T v and L_in's delta-gradient -(1/n) sum W (p_i - y_i),
         * dW = -(1/n) sum_i [v (p_i - y_i)^T + (x_i + delta) (S_i u)^T], db = -(1/n) sum_i S_i u.
         */
        Map<String, INDArray> exactMixed(double sign) {
            return exactMixed(v, sign);
        }

        Map<String, INDArray> exactMixed(INDArray v, double sign) {
            INDArray xs = model.flat(IBau.shifted(x, delta));
            INDArray p = model.probabilities(IBau.shifted(x, delta));
            INDArray residual = p.sub(LinearSoftmax.oneHot(y, CLASSES)).sum(true, 0); // [1, K]
            INDArray su = curvatureTimesLogitDirection(v);
            INDArray dw = v.reshape(-1, 1).mmul(residual).addi(xs.transpose().mmul(su)).muli(-sign / N);
            INDArray db = su.sum(true, 0).muli(-sign / N);
            return Map.of("W", dw, "b", db);
        }
    }

    @Test
    void deltaHvpMatchesTheClosedFormOfSoftmaxRegression() {
        double bound = 1e-7;
        for (String hvp : new String[] {IBau.JACOBIAN, IBau.GRADIENT_DIFFERENCE}) {
            for (long seed = 1; seed <= 3; seed++) {
                Linear l = Linear.make(seed);
                INDArray fd = new ImplicitHypergradient(5, 0.1, 1e-4).deltaHvp(l.inner(hvp), l.delta(), l.v());
                double err = relativeError(fd, l.exactHv(1, 1));
                System.out.printf("H_dd v (%s), softmax regression (double), seed %d: relative error %.2e%n", hvp, seed, err);
                assertTrue(err < bound, "relative error " + err);
                // The bound is far below what a wrong sign, a missing factor 2 on the regulariser or a
                // missing 1/n would give, so any of those mistakes fails the test.
                assertTrue(relativeError(fd, l.exactHv(-1, 1)) > 1e3 * bound, "sign of the cross-entropy term");
                assertTrue(relativeError(fd, l.exactHv(1, 0.5)) > 1e3 * bound, "factor 2 of the regulariser");
                assertTrue(relativeError(fd, l.exactHv(1.0 / N, 1)) > 1e3 * bound, "mean over the batch");
            }
        }
    }

    @Test
    void mixedHvpMatchesTheClosedFormOfSoftmaxRegression() {
        double bound = 1e-7;
        for (long seed = 1; seed <= 3; seed++) {
            Linear l = Linear.make(seed);
            Map<String, INDArray> fd = new ImplicitHypergradient(5, 0.1, 1e-4).mixedHvp(l.inner(IBau.JACOBIAN), l.delta(), l.v());
            double err = relativeError(fd, l.exactMixed(1));
            System.out.printf("grad_theta <grad_delta L_in, v>, softmax regression (double), seed %d: relative error %.2e%n", seed, err);
            assertTrue(err < bound, "relative error " + err);
            assertTrue(relativeError(fd, l.exactMixed(-1)) > 1e3 * bound, "sign");
            assertTrue(relativeError(fd, l.exactMixed(0.5)) > 1e3 * bound, "factor");
        }
    }

    @Test
    void hvpIsZeroForAZeroDirectionWithoutEvaluatingAnything() {
        ImplicitHypergradient.InnerLoss failing = new ImplicitHypergradient.InnerLoss() {
            @Override
            public INDArray hessianVector(INDArray delta, INDArray v, double eps) {
                throw new AssertionError("evaluated");
            }

            @Override
            public Map<String, INDArray> gradTheta(INDArray delta) {
                throw new AssertionError("evaluated");
            }
        };
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, 1, 1, 3, 3);
        INDArray hv = new ImplicitHypergradient(5, 0.1, 1e-2).deltaHvp(failing, zero.add(1), zero);
        assertEquals(0.0, hv.norm2Number().doubleValue());
    }

    /** A batch, delta and direction on the fixture's cnn-small (float32) and its double-precision copy. */
    private record Cnn(Model model, Model exactModel, LabeledImages batch, INDArray delta, INDArray v) {
        static Cnn make() {
            TckFixture f = TckFixture.get();
            Model model = f.backdoored.copy();
            Model exactModel = Tck.cnnSmall(TckFixture.SHAPE, TckFixture.CLASSES, TckFixture.WIDTH, "double", 1);
            exactModel.copyFrom(model);
            SplittableRandom r = new SplittableRandom(11);
            long[] shape = {1, 1, TckFixture.SHAPE.height(), TckFixture.SHAPE.width()};
            return new Cnn(model, exactModel, f.splits.tuning().range(0, 20), random(r, DataType.DOUBLE, -0.3, 0.3, shape),
                    random(r, DataType.DOUBLE, -1, 1, shape));
        }

        IBau.InnerLoss inner(Model m, String hvp) {
            return new IBau.InnerLoss(m, TckFixture.get().host.trainer(), batch.images(), batch.labels(), REG, hvp);
        }
    }

    /**
     * On the real model (cnn-small, evaluation-mode BatchNorm): the network is piecewise linear in
     * its input (ReLU, max-pooling, affine BatchNorm), so within a linear region the exact Hessian
     * of mean CE in delta is (1/n) sum_i J_i^T S_i J_i, J_i the input Jacobian of image i's logits -
     * what double backward returns. It is computed on a double-precision copy: J_i v as the change
     * of the logits over a step of 1e-6 (exact for a linear map), then J^T by the input gradient.
     */
    @Test
    void deltaHvpOnCnnSmallMatchesTheExactHessianOfAPiecewiseLinearNetwork() {
        Cnn c = Cnn.make();
        int n = c.batch().size();
        INDArray xs = IBau.shifted(c.batch().images(), c.delta());
        double t = 1e-6;
        INDArray jv = c.exactModel().logits(IBau.shifted(xs, c.v().mul(t))).sub(c.exactModel().logits(IBau.shifted(xs, c.v().mul(-t)))).divi(2 * t);
        INDArray p = org.nd4j.linalg.ops.transforms.Transforms.softmax(c.exactModel().logits(xs), false);
        INDArray pu = p.mul(jv);
        INDArray su = pu.sub(p.mulColumnVector(pu.sum(true, 1))).divi(n);
        INDArray exact = c.exactModel().inputGradient(xs, su, null).sum(true, 0).negi().addi(c.v().mul(2 * REG));

        double eps = IBau.Settings.from(org.purifybench.spi.Params.empty()).fdEps();
        ImplicitHypergradient hg = new ImplicitHypergradient(5, 0.1, eps);
        double err = relativeError(hg.deltaHvp(c.inner(c.model(), IBau.JACOBIAN), c.delta().castTo(DataType.FLOAT), c.v().castTo(DataType.FLOAT)), exact);
        double errGradients = relativeError(hg.deltaHvp(c.inner(c.model(), IBau.GRADIENT_DIFFERENCE), c.delta().castTo(DataType.FLOAT),
                c.v().castTo(DataType.FLOAT)), exact);
        // Double precision with a step too small to cross a kink: checks the product's arithmetic on the real model.
        double errNoKink = relativeError(new ImplicitHypergradient(5, 0.1, 1e-4).deltaHvp(c.inner(c.exactModel(), IBau.JACOBIAN), c.delta(), c.v()), exact);
        System.out.printf("H_dd v, cnn-small, fd-eps %.0e (default): relative error jacobian float32 %.2e (float64 at 1e-4: %.2e); "
                + "gradient-difference float32 %.2e%n", eps, err, errNoKink, errGradients);
        assertTrue(errNoKink < 1e-6, "relative error " + errNoKink);
        assertTrue(err < 0.1, "relative error " + err);
    }

    /**
     * The mixed product on cnn-small: theta-gradients are in training mode, where no closed form is
     * at hand. In double precision, central differences at steps too small to cross a ReLU kink
     * must agree (the a.e. derivative, what double backward returns); the float32 product at the
     * default step is printed against it. Kinks crossed within the step add jumps of the gradient
     * divided by the step, so the difference is large here (see IBauCostTest for what it does to
     * the hypergradient).
     */
    @Test
    void mixedHvpOnCnnSmallConvergesInDoublePrecision() {
        Cnn c = Cnn.make();
        IBau.InnerLoss exact = c.inner(c.exactModel(), IBau.JACOBIAN);
        Map<String, INDArray> ref = new ImplicitHypergradient(5, 0.1, 1e-7).mixedHvp(exact, c.delta(), c.v());
        double plateau = relativeError(new ImplicitHypergradient(5, 0.1, 1e-6).mixedHvp(exact, c.delta(), c.v()), ref);
        double eps = IBau.Settings.from(org.purifybench.spi.Params.empty()).fdEps();
        double err = relativeError(new ImplicitHypergradient(5, 0.1, eps).mixedHvp(c.inner(c.model(), IBau.JACOBIAN),
                c.delta().castTo(DataType.FLOAT), c.v().castTo(DataType.FLOAT)), ref);
        System.out.printf("grad_theta <grad_delta L_in, v>, cnn-small: float64 steps 1e-6 vs 1e-7 differ by %.2e; "
                + "float32 at fd-eps %.0e (default) differs from them by %.2e%n", plateau, eps, err);
        assertTrue(plateau < 1e-4, "no plateau: " + plateau);
        assertTrue(Double.isFinite(err));
    }
}
