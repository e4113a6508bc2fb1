package org.purifybench.evaluators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.BackdoorMetrics;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Params;
import org.purifybench.spi.Role;
import org.purifybench.tck.TckFixture;

class LinearModeConnectivityTest {
    @Test
    void interpolationEndpointsAreExactlyTheTwoModels() {
        INDArray a = Nd4j.createFromArray(1.5f, -2f, 3.25f);
        INDArray b = Nd4j.createFromArray(-0.5f, 4f, 0.1f);
        assertEquals(a, LinearModeConnectivity.interpolate(a, b, 0));
        assertEquals(b, LinearModeConnectivity.interpolate(a, b, 1));
        assertEquals(Nd4j.createFromArray(0.5f, 1f, 1.675f), LinearModeConnectivity.interpolate(a, b, 0.5));
    }

    @Test
    void curveEndsMatchTheModelsAndRunsAreDeterministic() {
        TckFixture f = TckFixture.get();
        var p = new Params(Map.of("points", 5));
        EvaluationResult r = new LinearModeConnectivity().evaluate(f.evaluationContext(f.clean, 1, p));
        double[] bd = r.curves().get("backdoor-error");
        double[] clean = r.curves().get("clean-error");
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, r.curveX("backdoor-error"), 0);
        var trainer = f.host.trainer();
        assertEquals(1 - BackdoorMetrics.attackSuccessRate(trainer, f.backdoored, f.trigger, f.dataset.test()), bd[0], 0);
        assertEquals(1 - BackdoorMetrics.attackSuccessRate(trainer, f.clean, f.trigger, f.dataset.test()), bd[4], 0);
        assertEquals(1 - BackdoorMetrics.cleanAccuracy(trainer, f.clean, f.dataset.test()), clean[4], 0);
        assertTrue(bd[0] < 0.2 && bd[4] > 0.7, "backdoored end keeps the backdoor, clean end does not");
        EvaluationResult again = new LinearModeConnectivity().evaluate(f.evaluationContext(f.clean, 1, p));
        assertArrayEquals(bd, again.curves().get("backdoor-error"), 0);
        assertArrayEquals(clean, again.curves().get("clean-error"), 0);
    }

    @Test
    void pathToTheOracleRunsWhenTheMatrixHasItAndEndsAtBothModels() {
        TckFixture f = TckFixture.get();
        var p = new Params(Map.of("points", 3, "test-samples", 120));
        EvaluationResult r = new LinearModeConnectivity().evaluate(f.evaluationContext(f.backdoored, 1, p, Map.of("ep", f.clean),
                Map.of("ep", Role.ORACLE)));
        double[] toEp = r.curves().get("ep-backdoor-error");
        var trainer = f.host.trainer();
        var test = f.dataset.test().range(0, 120);
        assertEquals(1 - BackdoorMetrics.attackSuccessRate(trainer, f.backdoored, f.trigger, test), toEp[0], 0);
        assertEquals(1 - BackdoorMetrics.attackSuccessRate(trainer, f.clean, f.trigger, test), toEp[2], 0);
        assertEquals(1 - BackdoorMetrics.cleanAccuracy(trainer, f.clean, test), r.curves().get("ep-clean-error")[2], 0);
        EvaluationResult withoutEp = new LinearModeConnectivity().evaluate(f.evaluationContext(f.backdoored, 1, p));
        assertTrue(!withoutEp.curves().containsKey("ep-backdoor-error"));
        EvaluationResult renamed = new LinearModeConnectivity().evaluate(f.evaluationContext(f.backdoored, 1, p,
                Map.of("my-oracle", f.clean), Map.of("my-oracle", Role.ORACLE)));
        assertArrayEquals(toEp, renamed.curves().get("my-oracle-backdoor-error"), 0, "the oracle is found by its role, named by its id");
        EvaluationResult idOnly = new LinearModeConnectivity().evaluate(f.evaluationContext(f.backdoored, 1, p, Map.of("ep", f.clean)));
        assertTrue(!idOnly.curves().containsKey("ep-backdoor-error"), "the id 'ep' alone does not make an oracle");
    }
}
