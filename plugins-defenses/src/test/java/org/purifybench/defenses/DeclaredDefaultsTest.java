package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.TrainConfig;

/**
 * The defaults each defense declares in its annotation are the values its code falls back to: the
 * code read with every declared default set gives what it gives with no parameter at all.
 */
class DeclaredDefaultsTest {
    /** The declared defaults as matrix parameters; a default that is a choice word (auto) is what the code reads too. */
    static Params declared(Class<?> c, String... except) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ParamSpec p : PluginDescriptor.of(c).params()) {
            if (!List.of(except).contains(p.name())) {
                m.put(p.name(), p.defaultValue());
            }
        }
        return new Params(m);
    }

    @Test
    void trainingSettingsMatchTheCodesDefaults() {
        Map<Class<?>, TrainConfig> defaults = Map.of(FineTuning.class, FineTuning.DEFAULTS, ExactPurification.class, ExactPurification.DEFAULTS,
                FtSam.class, FtSam.DEFAULTS, FeatureShiftTuning.class, FineTuning.DEFAULTS, BtiDbf.class, BtiDbf.DEFAULTS,
                Pam.class, Pam.DEFAULTS, BtiSam.class, Pam.DEFAULTS);
        defaults.forEach((c, d) -> assertEquals(d, FineTuning.config(declared(c), d), c.getSimpleName()));
    }

    @Test
    void otherSettingsMatchTheCodesDefaults() {
        assertEquals(Anp.Settings.of(Params.empty()), Anp.Settings.of(declared(Anp.class)));
        assertEquals(IBau.Settings.from(Params.empty()), IBau.Settings.from(declared(IBau.class)));
        assertEquals(Pam.DEFAULT_GRID, PluginDescriptor.of(Pam.class).param("rho-grid").orElseThrow().defaultValue());
        assertEquals(FeatureShiftTuning.DEFAULT_GRID, PluginDescriptor.of(FeatureShiftTuning.class).param("alpha-grid").orElseThrow().defaultValue());
        for (Class<?> c : List.of(Pam.class, BtiSam.class, BtiDbf.class)) {
            assertEquals(String.valueOf(Pam.ROUNDS), PluginDescriptor.of(c).param("rounds").orElseThrow().defaultValue());
            // InversionMemo keys on these names: each must be declared so the host can bind it
            for (String k : List.of("mask-epochs", "generator-epochs", "refine-epochs", "generator-lr", "norm-bound")) {
                assertTrue(PluginDescriptor.of(c).param(k).isPresent(), c.getSimpleName() + " " + k);
            }
        }
    }

    /** Issue 18: every default of a defense the paper's Table 3 reports says where it comes from (or that it is ours). */
    @Test
    void everyParameterOfThePapersDefensesNamesItsSource() {
        for (Class<?> c : List.of(ExactPurification.class, FineTuning.class, FtSam.class, FeatureShiftTuning.class, BtiDbf.class, Pam.class,
                BtiSam.class, Anp.class, IBau.class)) {
            for (ParamSpec p : PluginDescriptor.of(c).params()) {
                assertTrue(p.source() != null && !p.source().isBlank(), c.getSimpleName() + " " + p.name() + " has no source");
            }
        }
    }

    @Test
    void rolesAreDeclared() {
        assertEquals(Role.BACKDOORED_BASELINE, new NoDefense().descriptor().role());
        assertEquals(Role.CLEAN_BASELINE, new CleanModel().descriptor().role());
        assertEquals(Role.ORACLE, new ExactPurification().descriptor().role());
        for (var d : List.of(new FineTuning(), new FtSam(), new FeatureShiftTuning(), new BtiDbf(), new Pam(), new BtiSam(), new Anp(), new IBau())) {
            assertEquals(Role.PURIFIER, d.descriptor().role(), d.descriptor().id());
        }
    }
}
