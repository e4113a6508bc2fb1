package org.purifybench.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;

/** The defaults each evaluator declares are the values its code falls back to. */
class DeclaredDefaultsTest {
    static Params declared(Class<?> c, String... except) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ParamSpec p : PluginDescriptor.of(c).params()) {
            if (!List.of(except).contains(p.name())) {
                m.put(p.name(), p.defaultValue());
            }
        }
        return new Params(m);
    }

    private static QueryReactivation.Settings withoutRa(QueryReactivation.Settings s) {
        return new QueryReactivation.Settings(s.eps(), s.hidden(), s.epochs(), s.batchSize(), s.lr(), s.momentum(), s.alpha(), s.loss(),
                s.cleanSamples(), s.poisonedSamples(), s.testSamples(), s.reference(), Map.of());
    }

    @Test
    void retuningAttackDefaults() {
        Params p = declared(RetuningAttack.class);
        assertEquals(RetuningAttack.config(Params.empty()), RetuningAttack.config(p));
        assertEquals(5, RetuningAttack.poisonCount(p));
        assertEquals(1000, p.getInt("samples", -1));
    }

    @Test
    void qraDefaultsAndItsRaDefaultsAreRas() {
        for (Class<?> c : List.of(QueryReactivationAttack.class, QraTransfer.class)) {
            // reference: the code's default follows loss (declared empty); defenses: empty means all but the baselines
            QueryReactivation.Settings s = QueryReactivation.Settings.of(declared(c, "reference", "defenses"));
            assertEquals(withoutRa(QueryReactivation.Settings.of(Params.empty())), withoutRa(s), c.getSimpleName());
            assertEquals(RetuningAttack.config(Params.empty()), RetuningAttack.config(s.raParams()), c.getSimpleName());
            assertEquals(5, RetuningAttack.poisonCount(s.raParams()));
            assertEquals(1000, s.raParams().getInt("samples", -1));
            assertEquals(PluginDescriptor.of(QueryReactivationAttack.class).params(), PluginDescriptor.of(c).params(),
                    "qra and qra-transfer share their settings");
        }
    }

    @Test
    void lmcDefaults() {
        Params p = declared(LinearModeConnectivity.class);
        assertEquals(11, p.getInt("points", -1));
        assertEquals("", p.getString("oracle", null), "empty: the matrix's defense with role ORACLE");
        assertEquals(java.util.Set.of(), PluginDescriptor.of(LinearModeConnectivity.class).needsRoles(), "lmc uses the oracle only when present");
        assertEquals(java.util.Set.of(Role.ORACLE), PluginDescriptor.of(QueryReactivationAttack.class).needsRoles());
    }
}
