package org.purifybench.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

class EvaluatorsTest {
    @Test
    void retuningSetHasExactlyThePoisonedCountRelabelledToTheTarget() {
        TckFixture f = TckFixture.get();
        LabeledImages pool = f.splits.retuningPool();
        LabeledImages set = RetuningAttack.retuningSet(pool, f.trigger, 80, 3, 5);
        assertEquals(80, set.size());
        LabeledImages again = RetuningAttack.retuningSet(pool, f.trigger, 80, 0, 5);
        int relabelled = 0;
        int changed = 0;
        for (int i = 0; i < set.size(); i++) {
            if (set.label(i) != again.label(i)) {
                relabelled++;
                assertEquals(0, set.label(i));
            }
            if (!set.images().slice(i).equals(again.images().slice(i))) {
                changed++;
            }
        }
        assertEquals(3, relabelled);
        assertEquals(3, changed);
        assertThrows(IllegalArgumentException.class, () -> RetuningAttack.retuningSet(pool, f.trigger, pool.size() + 1, 1, 5));
    }

    @Test
    void poisonCountIsTheHostResolvedValueElseFive() {
        assertEquals(4, RetuningAttack.poisonCount(new Params(Map.of("poison-count", 4))));
        assertEquals(5, RetuningAttack.poisonCount(Params.empty()));
    }

    @Test
    void qraForwardsEachOfItsRaParametersToRaByName() {
        Params qra = new Params(Map.of("ra-samples", 70, "ra-epochs", 2, "ra-batch-size", 32, "ra-lr", 0.05, "ra-momentum", 0.5,
                "ra-weight-decay", 0.001, "poison-count", 7, "ra-unknown", 1));
        Params ra = QueryReactivation.Settings.of(qra).raParams();
        assertEquals(RetuningAttack.config(new Params(Map.of("epochs", 2, "batch-size", 32, "lr", 0.05, "momentum", 0.5,
                "weight-decay", 0.001))), RetuningAttack.config(ra));
        assertEquals(70, ra.getInt("samples", 0));
        assertEquals(7, RetuningAttack.poisonCount(ra));
        assertTrue(!ra.has("unknown"), "only declared parameters are forwarded, no prefix scan: " + ra);
        assertEquals(RetuningAttack.config(Params.empty()), RetuningAttack.config(QueryReactivation.Settings.of(Params.empty()).raParams()),
                "qra's fallbacks are RA's defaults");
    }

    @Test
    void accuracyOnTheFixtureSeparatesBackdooredFromClean() {
        TckFixture f = TckFixture.get();
        EvaluationResult bd = new AccuracyEvaluator().evaluate(f.evaluationContext(f.backdoored, 1, Params.empty()));
        EvaluationResult cl = new AccuracyEvaluator().evaluate(f.evaluationContext(f.clean, 1, Params.empty()));
        assertTrue(bd.metrics().get("asr") > 0.8, "backdoored ASR " + bd.metrics());
        assertTrue(cl.metrics().get("asr") < 0.3, "clean ASR " + cl.metrics());
        assertTrue(cl.metrics().get("c-acc") > 0.8, "clean C-Acc " + cl.metrics());
        assertTrue(cl.metrics().get("r-acc") > 0.6);
    }

    @Test
    void retuningAttackIsDeterministicAndRunsTheControlOnce() {
        TckFixture f = TckFixture.get();
        Params p = new Params(Map.of("samples", 60, "epochs", 1, "poison-count", 3));
        var ctx = f.evaluationContext(f.backdoored, 2, p);
        EvaluationResult a = new RetuningAttack().evaluate(ctx);
        EvaluationResult b = new RetuningAttack().evaluate(f.evaluationContext(f.backdoored, 2, p));
        assertEquals(a.metrics(), b.metrics());
        for (String m : new String[] {"o-asr", "p-asr", "p-c-acc", "control-p-asr", "control-p-c-acc"}) {
            assertTrue(a.metrics().containsKey(m), m);
        }
        int[] calls = {0};
        ctx.memo("ra-control", () -> {
            calls[0]++;
            return new double[] {0, 0};
        });
        assertEquals(0, calls[0], "the control computed by the first evaluation is reused");
    }

    @Test
    void qraImitatesTheVeryModelRaRetunedInsteadOfRetuningAgain() {
        TckFixture f = TckFixture.get();
        Params p = new Params(Map.of("samples", 60, "epochs", 1, "poison-count", 3));
        var ctx = f.evaluationContext(f.backdoored, 2, p);
        new RetuningAttack().evaluate(ctx);
        var shared = RetuningAttack.retunedPurified(ctx, "tck", ctx.purifiedModel(), p);
        // qra names RA's settings with an "ra-" prefix; the same settings must find the same model.
        var qraView = QueryReactivation.Settings.of(new Params(Map.of("ra-samples", 60, "ra-epochs", 1, "poison-count", 3)));
        org.junit.jupiter.api.Assertions.assertSame(shared, RetuningAttack.retunedPurified(ctx, "tck", ctx.purifiedModel(), qraView.raParams()));
        org.junit.jupiter.api.Assertions.assertNotSame(shared, RetuningAttack.retunedPurified(ctx, "tck", ctx.purifiedModel(),
                new Params(Map.of("samples", 60, "epochs", 2, "poison-count", 3))), "other settings, another model");
    }
}
