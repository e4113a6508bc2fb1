package org.purifybench.attacks;

import org.junit.jupiter.api.Test;
import org.purifybench.tck.PluginRules;

/** The attacks use only the SPI (and the toolkit, the JDK, ND4J); their tests use the kit, not the core. */
class AttacksLayeringTest {
    private static final String PACKAGE = "org.purifybench.attacks";

    @Test
    void pluginClassesUseOnlyTheSpi() {
        PluginRules.checkMainClasses(PACKAGE);
    }

    @Test
    void testsUseTheKitNotTheCore() {
        PluginRules.checkTestClasses(PACKAGE);
    }
}
