package org.purifybench.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/** The defaults each attack declares are the values its code falls back to. */
class DeclaredDefaultsTest {
    static Params declared(Class<?> c) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ParamSpec p : PluginDescriptor.of(c).params()) {
            m.put(p.name(), p.defaultValue());
        }
        return new Params(m);
    }

    @Test
    void ssbaDefaults() {
        assertEquals(Ssba.Settings.of(Params.empty()), Ssba.Settings.of(declared(Ssba.class)));
    }

    @Test
    void labelConsistentDefaults() {
        Params p = declared(LabelConsistent.class);
        assertEquals(LabelConsistent.DEFAULT_EPS, p.getDouble("eps", -1));
        assertEquals(LabelConsistent.DEFAULT_STEP, p.getDouble("step", -1));
        assertEquals(LabelConsistent.DEFAULT_STEPS, p.getInt("steps", -1));
        assertEquals(LabelConsistent.DEFAULT_BATCH, p.getInt("batch", -1));
        assertEquals(1.0, p.getDouble("trigger-amplitude", -1));
    }

    @Test
    void badnetAndBlendedDefaults() {
        Params b = declared(BadNet.class);
        assertEquals(3, b.getInt("size", -1));
        assertEquals(0, b.getInt("margin", -1));
        Params bl = declared(Blended.class);
        assertEquals(0.1, bl.getDouble("alpha-train", -1));
        assertEquals(0.2, bl.getDouble("alpha-test", -1));
        assertEquals(1234, bl.getInt("pattern-seed", -1));
        assertEquals(0.5, bl.getDouble("pattern-std", -1));
    }
}
