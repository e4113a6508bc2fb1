package org.purifybench.defenses;

import org.junit.jupiter.api.Test;
import org.purifybench.tck.PluginRules;

/** The defenses use only the SPI (and the toolkit, the JDK, ND4J); their tests use the kit, not the core. */
class DefensesLayeringTest {
    private static final String PACKAGE = "org.purifybench.defenses";

    @Test
    void pluginClassesUseOnlyTheSpi() {
        PluginRules.checkMainClasses(PACKAGE);
    }

    @Test
    void testsUseTheKitNotTheCore() {
        PluginRules.checkTestClasses(PACKAGE);
    }
}
