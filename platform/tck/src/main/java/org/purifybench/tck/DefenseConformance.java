package org.purifybench.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * Conformance kit for defenses: extend it, return your defense (and quick params) and JUnit runs
 * every check. Built-in defenses run exactly this.
 */
public abstract class DefenseConformance {

    protected abstract Defense defense();

    /** Parameters that keep the checks fast (e.g. fewer epochs). */
    protected Params fastParams() {
        return new Params(Map.of("epochs", 1));
    }

    @Test
    void descriptorIsValid() {
        PluginDescriptor d = defense().descriptor();
        assertNotNull(d);
        assertEquals(org.purifybench.spi.Kind.DEFENSE, d.kind());
        assertFalse(d.description().isBlank(), "description must say what the defense does");
        assertFalse(d.needs(Need.TEST_DATA), "a defense may never declare TEST_DATA");
        assertFalse(d.needs(Need.RETUNING_POOL), "a defense may never declare the evaluators' retuning pool");
    }

    @Test
    void contextOffersNoTestData() {
        // By construction: no method of DefenseContext returns test data or the retuning pool.
        for (Method m : DefenseContext.class.getMethods()) {
            String name = m.getName().toLowerCase();
            assertFalse(name.contains("test") || name.contains("retuningpool"), "DefenseContext exposes " + m.getName());
        }
        TckFixture f = TckFixture.get();
        DefenseContext ctx = f.defenseContext(defense().descriptor(), 1, fastParams());
        PluginDescriptor d = defense().descriptor();
        assertEquals(d.needs(Need.CLEAN_TUNING_DATA), ctx.tuningData().isPresent(), "tuning data only if declared");
        assertEquals(d.needs(Need.VALIDATION_DATA), ctx.validationData().isPresent(), "validation data only if declared");
        assertEquals(d.needs(Need.ORACLE_TRIGGER), ctx.oracleTrigger().isPresent(), "the true trigger only if declared");
        assertEquals(d.needs(Need.CLEAN_REFERENCE_MODEL), ctx.cleanModel().isPresent(), "the clean model only if declared");
    }

    @Test
    void leavesInputModelUntouchedKeepsArchitectureAndIsDeterministic() {
        TckFixture f = TckFixture.get();
        INDArray before = f.backdoored.flatParameters();
        Map<String, INDArray> stateBefore = copy(f.backdoored.state());
        Model a = defense().purify(f.defenseContext(defense().descriptor(), 7, fastParams()));
        assertEquals(before, f.backdoored.flatParameters(), "the backdoored model must not be modified");
        stateBefore.forEach((k, v) -> assertEquals(v, f.backdoored.state().get(k), "BatchNorm state " + k + " modified"));
        assertTrue(a instanceof SdModel, "return the context's model (or a copy)");
        assertEquals(f.spec, ((SdModel) a).spec(), "the purified model must keep the architecture");
        Model b = defense().purify(f.defenseContext(defense().descriptor(), 7, fastParams()));
        assertEquals(a.flatParameters(), b.flatParameters(), "same seed must give the same purified model");
        a.state().forEach((k, v) -> assertEquals(v, b.state().get(k), "same seed must give the same BN state " + k));
        int[] pa = a.predict(f.dataset.test().images());
        assertTrue(Arrays.stream(pa).distinct().count() > 1, "the purified model predicts a single class");
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }
}
