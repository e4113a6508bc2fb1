package org.purifybench.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.Role;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

class QueryReactivationTest {
    /** Small enough for seconds on the fixture; every code path of the paper's setting is exercised. */
    private static final Params FAST = new Params(Map.of("epochs", 3, "hidden", 32, "batch-size", 20,
            "clean-samples", 30, "poisoned-samples", 30, "ra-samples", 60, "ra-epochs", 1, "poison-count", 3));

    @Test
    void lossAndGradientsMatchHandComputedValues() {
        INDArray ra = Nd4j.createFromArray(new double[][] {{1, 0, -1}, {0.5, 0.5, 2}});
        INDArray p = Nd4j.createFromArray(new double[][] {{0, 2, 0}, {1, -1, 0}});
        INDArray e = Nd4j.createFromArray(new double[][] {{3, 0, 1}, {0, 0, 0}});
        int[] y = {0, 2};
        QraObjective o = QraObjective.of(ra, p, e, y, 0.2);
        double kl = 0;
        double ce = 0;
        for (int i = 0; i < 2; i++) {
            double[] q = softmax(ra.getRow(i).toDoubleVector());
            double[] pp = softmax(p.getRow(i).toDoubleVector());
            for (int k = 0; k < 3; k++) {
                kl += q[k] * Math.log(q[k] / pp[k]);
            }
            ce -= Math.log(softmax(e.getRow(i).toDoubleVector())[y[i]]);
        }
        assertEquals(kl / 2, o.kl(), 1e-12);
        assertEquals(ce / 2, o.ce(), 1e-12);
        assertEquals(kl / 2 + 0.2 * ce / 2, o.loss(), 1e-12);
        // Gradients against central differences of the loss in each logit.
        double h = 1e-6;
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 3; k++) {
                double numP = (QraObjective.of(ra, bump(p, i, k, h), e, y, 0.2).loss()
                        - QraObjective.of(ra, bump(p, i, k, -h), e, y, 0.2).loss()) / (2 * h);
                double numE = (QraObjective.of(ra, p, bump(e, i, k, h), y, 0.2).loss()
                        - QraObjective.of(ra, p, bump(e, i, k, -h), y, 0.2).loss()) / (2 * h);
                assertEquals(numP, o.purifiedLogitGradient().getDouble(i, k), 1e-8);
                assertEquals(numE, o.referenceLogitGradient().getDouble(i, k), 1e-8);
            }
        }
        assertEquals(0, QraObjective.of(ra, ra, e, y, 0.2).kl(), 1e-12, "KL of identical logits is zero");
    }

    @Test
    void referenceLossPutsAlphaOnTheKlTermAndWeighsTheCeTermOne() {
        INDArray ra = Nd4j.createFromArray(new double[][] {{1, 0, -1}, {0.5, 0.5, 2}});
        INDArray p = Nd4j.createFromArray(new double[][] {{0, 2, 0}, {1, -1, 0}});
        INDArray e = Nd4j.createFromArray(new double[][] {{3, 0, 1}, {0, 0, 0}});
        int[] y = {0, 2};
        double kl = 0;
        double ce = 0;
        for (int i = 0; i < 2; i++) {
            double[] q = softmax(ra.getRow(i).toDoubleVector());
            double[] pp = softmax(p.getRow(i).toDoubleVector());
            for (int k = 0; k < 3; k++) {
                kl += q[k] * Math.log(q[k] / pp[k]);
            }
            ce -= Math.log(softmax(e.getRow(i).toDoubleVector())[y[i]]);
        }
        kl /= 2;
        ce /= 2;
        QraObjective.Variant ref = QraObjective.Variant.REFERENCE;
        QraObjective o = QraObjective.of(ra, p, e, y, 0.2, ref);
        assertEquals(kl, o.kl(), 1e-12);
        assertEquals(ce, o.ce(), 1e-12);
        assertEquals(0.2 * kl + ce, o.loss(), 1e-12, "authors' code: alpha * KL + CE");
        assertEquals(kl + 0.2 * ce, QraObjective.of(ra, p, e, y, 0.2, QraObjective.Variant.PAPER).loss(), 1e-12,
                "paper eq. 2: KL + alpha * CE");
        assertTrue(Math.abs(o.loss() - (kl + 0.2 * ce)) > 1e-3, "the two weightings differ on this case");
        double h = 1e-6;
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 3; k++) {
                double numP = (QraObjective.of(ra, bump(p, i, k, h), e, y, 0.2, ref).loss()
                        - QraObjective.of(ra, bump(p, i, k, -h), e, y, 0.2, ref).loss()) / (2 * h);
                double numE = (QraObjective.of(ra, p, bump(e, i, k, h), y, 0.2, ref).loss()
                        - QraObjective.of(ra, p, bump(e, i, k, -h), y, 0.2, ref).loss()) / (2 * h);
                assertEquals(numP, o.purifiedLogitGradient().getDouble(i, k), 1e-8);
                assertEquals(numE, o.referenceLogitGradient().getDouble(i, k), 1e-8);
            }
        }
    }

    @Test
    void momentumStepMatchesAHandComputedSgdWithMomentumSequence() {
        long[] shape = {1, 2, 2};
        INDArray x = Nd4j.createFromArray(new float[] {0.1f, 0.9f, 0.4f, 0.6f, 0.8f, 0.2f, 0.3f, 0.7f}).reshape(2, 1, 2, 2);
        INDArray[] upstream = new INDArray[3];
        for (int k = 0; k < 3; k++) {
            upstream[k] = Nd4j.createFromArray(new float[] {1, -2, 0.5f, 3, -1, 2, -0.5f, 1}).reshape(2, 1, 2, 2).muli(k + 1)
                    .muli(k % 2 == 0 ? 1 : -0.5f);
        }
        double lr = 0.1;
        for (double mu : new double[] {0.0, 0.9}) {
            PerturbationGenerator impl = new PerturbationGenerator(shape, 3, 0.5, 7);
            PerturbationGenerator hand = new PerturbationGenerator(shape, 3, 0.5, 7);
            Map<String, double[]> velocity = new java.util.HashMap<>();
            for (int k = 0; k < 3; k++) {
                // By hand, in double: v = mu * v + g (v starts at 0), w -= lr * v.
                for (Map.Entry<String, INDArray> e : hand.gradients(x, upstream[k]).entrySet()) {
                    INDArray w = hand.parameters().get(e.getKey());
                    double[] g = e.getValue().dup().data().asDouble();
                    double[] v = velocity.computeIfAbsent(e.getKey(), n -> new double[g.length]);
                    double[] wv = w.dup().data().asDouble();
                    for (int j = 0; j < g.length; j++) {
                        v[j] = mu * v[j] + g[j];
                        wv[j] -= lr * v[j];
                    }
                    w.assign(Nd4j.createFromArray(wv).reshape(w.shape()).castTo(w.dataType()));
                }
                impl.step(x, upstream[k], lr, mu);
                for (String name : impl.parameters().keySet()) {
                    double[] a = impl.parameters().get(name).dup().data().asDouble();
                    double[] b = hand.parameters().get(name).dup().data().asDouble();
                    for (int j = 0; j < a.length; j++) {
                        assertEquals(b[j], a[j], 1e-5, "momentum " + mu + ", step " + (k + 1) + ", " + name + "[" + j + "]");
                    }
                }
            }
        }
        // Momentum changes the path from the second step on: the first step is plain SGD (v starts at 0).
        PerturbationGenerator plain = new PerturbationGenerator(shape, 3, 0.5, 7);
        PerturbationGenerator heavy = new PerturbationGenerator(shape, 3, 0.5, 7);
        plain.step(x, upstream[0], lr, 0.0);
        heavy.step(x, upstream[0], lr, 0.9);
        assertEquals(plain.parameters().get("out_W"), heavy.parameters().get("out_W"), "first step: v = g either way");
        plain.step(x, upstream[1], lr, 0.0);
        heavy.step(x, upstream[1], lr, 0.9);
        assertTrue(plain.parameters().get("out_W").sub(heavy.parameters().get("out_W")).norm2Number().doubleValue() > 1e-4,
                "second step: momentum adds 0.9 * lr * g1");
        assertThrows(IllegalArgumentException.class, () -> plain.step(x, upstream[0], lr, 1.0));
    }

    @Test
    void unknownLossIsRejectedNamingTheAllowedValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QueryReactivation.Settings.of(FAST.with(Map.of("loss", "papr"))));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("paper, reference")
                && e.getMessage().contains("papr"), e.getMessage());
    }

    @Test
    void settingsDefaultToTheReferenceOptimizerAndDifferBetweenTheLosses() {
        QueryReactivation.Settings d = QueryReactivation.Settings.of(Params.empty());
        assertEquals(128, d.batchSize());
        assertEquals(50, d.epochs());
        assertEquals(0.1, d.lr());
        assertEquals(0.9, d.momentum());
        assertEquals(QraObjective.Variant.PAPER, d.loss());
        assertEquals(QueryReactivation.ORACLE_REFERENCE, d.reference(), "paper eq. 2 regularises with the oracle (EP), found by role");
        assertEquals(d, QueryReactivation.Settings.of(new Params(Map.of("reference", " "))), "blank (the declared default) follows the loss");
        assertThrows(IllegalArgumentException.class, () -> QueryReactivation.Settings.of(FAST.with(Map.of("momentum", 1))));
        QueryReactivation.Settings paper = QueryReactivation.Settings.of(FAST);
        QueryReactivation.Settings code = QueryReactivation.Settings.of(FAST.with(Map.of("loss", "reference")));
        assertEquals(QraObjective.Variant.REFERENCE, code.loss());
        assertEquals("clean", code.reference(), "the authors' code regularises with the clean model");
        assertNotEquals(paper, code);
        assertNotEquals(paper.toString(), code.toString(), "the memo key tells the losses apart");
        // An explicit reference wins; the losses still differ in the key.
        QueryReactivation.Settings codeWithEp = QueryReactivation.Settings.of(
                FAST.with(Map.of("loss", "reference", "reference", "ep")));
        assertEquals("ep", codeWithEp.reference());
        assertNotEquals(paper.toString(), codeWithEp.toString());
        assertEquals(paper, QueryReactivation.Settings.of(FAST.with(Map.of("loss", "paper"))),
                "loss: paper is the default, so both spell the same memo key");
    }

    private static double[] softmax(double[] l) {
        double max = Math.max(l[0], Math.max(l[1], l[2]));
        double sum = 0;
        double[] out = new double[l.length];
        for (int k = 0; k < l.length; k++) {
            out[k] = Math.exp(l[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < l.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    private static INDArray bump(INDArray a, int i, int k, double h) {
        INDArray b = a.dup();
        b.putScalar(i, k, b.getDouble(i, k) + h);
        return b;
    }

    @Test
    void perturbationStaysWithinEpsAndImagesWithinRange() {
        double eps = 16 / 255.0;
        PerturbationGenerator g = new PerturbationGenerator(new long[] {1, 12, 12}, 16, eps, 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12);
        // Large steps push tanh into saturation: the bound must hold by construction, not by luck.
        for (int i = 0; i < 5; i++) {
            g.step(x, Nd4j.ones(DataType.FLOAT, 8, 1, 12, 12).muli(-1000), 1.0, 0.0);
        }
        INDArray d = g.perturbation(x);
        double maxAbs = org.nd4j.linalg.ops.transforms.Transforms.abs(d).maxNumber().doubleValue();
        assertTrue(maxAbs <= eps + 1e-6, "max |d| " + maxAbs);
        assertTrue(maxAbs > eps * 0.9, "the push saturates d near eps, got " + maxAbs);
        INDArray perturbed = g.perturb(x);
        assertTrue(perturbed.minNumber().doubleValue() >= 0 && perturbed.maxNumber().doubleValue() <= 1);
        PerturbationGenerator fresh = new PerturbationGenerator(new long[] {1, 12, 12}, 16, eps, 3);
        INDArray d0 = fresh.perturbation(x);
        assertNotEquals(d0.get(NDArrayIndex.point(0)), d0.get(NDArrayIndex.point(1)), "perturbations are sample-specific");
    }

    @Test
    void attackSetHasTheAskedCleanAndTriggeredNonTargetImagesUnderTrueLabels() {
        TckFixture f = TckFixture.get();
        LabeledImages set = QueryReactivation.attackSet(f.splits.retuningPool(), f.trigger, 30, 20, 4);
        assertEquals(50, set.size());
        for (int i = 0; i < set.size(); i++) {
            assertNotEquals(0, set.label(i), "only non-target images");
        }
        // The fixture's trigger is a white 3x3 block in the top-left corner.
        for (int i = 30; i < 50; i++) {
            assertEquals(9.0, set.images().get(NDArrayIndex.point(i), NDArrayIndex.point(0),
                    NDArrayIndex.interval(0, 3), NDArrayIndex.interval(0, 3)).sumNumber().doubleValue(), 1e-6);
        }
        assertEquals(set.images(), QueryReactivation.attackSet(f.splits.retuningPool(), f.trigger, 30, 20, 4).images());
    }

    /** The built-ins' roles, under the built-ins' ids and a renamed oracle's. */
    static final Map<String, Role> ROLES = Map.of("ep", Role.ORACLE, "clean", Role.CLEAN_BASELINE, "none", Role.BACKDOORED_BASELINE,
            "my-oracle", Role.ORACLE);

    private static EvaluationContext context(TckFixture f, Map<String, Model> others) {
        return f.evaluationContext(f.backdoored, 2, FAST, others, ROLES);
    }

    @Test
    void qraReportsBothModelsIsDeterministicAndLearns() {
        TckFixture f = TckFixture.get();
        EvaluationContext ctx = context(f, Map.of("ep", f.clean));
        EvaluationResult a = new QueryReactivationAttack().evaluate(ctx);
        for (String m : new String[] {"c-asr", "p-asr", "clean-c-asr", "clean-p-asr", "ra-p-asr"}) {
            double v = a.metrics().get(m);
            assertTrue(v >= 0 && v <= 1, m + " = " + v);
        }
        double[] loss = a.curves().get("generator-loss");
        assertEquals(3, loss.length);
        assertTrue(loss[2] < loss[0], "generator loss must fall: " + java.util.Arrays.toString(loss));
        EvaluationResult b = new QueryReactivationAttack().evaluate(context(f, Map.of("ep", f.clean)));
        assertEquals(a.metrics(), b.metrics(), "same seed, same numbers");
    }

    @Test
    void qraWithoutTheOracleDefenseFailsBeforeTrainingAndNamesTheFix() {
        TckFixture f = TckFixture.get();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QueryReactivationAttack().evaluate(context(f, Map.of())));
        assertTrue(e.getMessage().contains("role ORACLE") && e.getMessage().contains("reference"), e.getMessage());
        assertEquals(Set.of(Role.ORACLE), new QueryReactivationAttack().needsRoles(FAST), "the default loss needs the oracle");
        assertEquals(Set.of(), new QueryReactivationAttack().needsRoles(FAST.with(Map.of("loss", "reference"))));
        assertEquals(Set.of(), new QraTransfer().needsRoles(FAST.with(Map.of("reference", "clean"))));
    }

    @Test
    void theOracleIsFoundByRoleWhateverItsId() {
        TckFixture f = TckFixture.get();
        EvaluationResult byEp = new QueryReactivationAttack().evaluate(context(f, Map.of("ep", f.clean)));
        EvaluationResult renamed = new QueryReactivationAttack().evaluate(context(f, Map.of("my-oracle", f.clean)));
        assertEquals(byEp.metrics(), renamed.metrics(), "the same oracle model under another id gives the same numbers");
        assertThrows(IllegalArgumentException.class, () -> new QueryReactivationAttack().evaluate(
                f.evaluationContext(f.backdoored, 2, FAST, Map.of("ep", f.clean))), "an id alone does not make an oracle");
    }

    @Test
    void referenceLossRegularisesWithTheCleanModelSoNeedsNoEp() {
        TckFixture f = TckFixture.get();
        Params code = FAST.with(Map.of("loss", "reference"));
        EvaluationResult r = new QueryReactivationAttack().evaluate(f.evaluationContext(f.backdoored, 2, code, Map.of()));
        assertEquals(3, r.curves().get("generator-loss").length);
        assertTrue(r.metrics().containsKey("p-asr"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QueryReactivationAttack().evaluate(
                f.evaluationContext(f.backdoored, 2, code.with(Map.of("reference", "ep")), Map.of())));
        assertTrue(e.getMessage().contains("'ep'"), "an explicit reference is honoured: " + e.getMessage());
    }

    @Test
    void transferSharesTheGeneratorsOfQraAndItsDiagonalIsQra() {
        TckFixture f = TckFixture.get();
        EvaluationContext ctx = context(f, Map.of("ep", f.clean, "clean", f.clean));
        EvaluationResult qra = new QueryReactivationAttack().evaluate(ctx);
        QueryReactivation.Settings s = QueryReactivation.Settings.of(FAST);
        QueryReactivation.Outcome trained = QueryReactivation.against(ctx, "tck", s);
        EvaluationResult transfer = new QraTransfer().evaluate(ctx);
        assertSame(trained, QueryReactivation.against(ctx, "tck", s), "trained once per cell and settings");
        assertEquals(qra.metrics().get("p-asr"), transfer.metrics().get("p-asr-from:tck"));
        assertEquals(qra.metrics().get("c-asr"), transfer.metrics().get("c-asr-from:tck"));
        assertTrue(transfer.metrics().containsKey("p-asr-from:ep"));
        assertTrue(!transfer.metrics().containsKey("p-asr-from:clean"), "baselines are not sources");
        assertThrows(IllegalArgumentException.class, () -> new QraTransfer().evaluate(
                f.evaluationContext(f.backdoored, 2, FAST.with(Map.of("defenses", "tck, nosuch")), Map.of("ep", f.clean), ROLES)));
        assertTrue(new QueryReactivationAttack().evaluate(f.evaluationContext(f.backdoored, 2, FAST.with(Map.of("defenses", "ep")),
                Map.of("ep", f.clean), ROLES)).metrics().isEmpty(), "a defense outside 'defenses' is not attacked");
    }
}
