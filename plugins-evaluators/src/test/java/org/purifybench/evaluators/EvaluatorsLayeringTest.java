package org.purifybench.evaluators;

import org.junit.jupiter.api.Test;
import org.purifybench.tck.PluginRules;

/** The evaluators use only the SPI (and the toolkit, the JDK, ND4J); their tests use the kit, not the core. */
class EvaluatorsLayeringTest {
    private static final String PACKAGE = "org.purifybench.evaluators";

    @Test
    void pluginClassesUseOnlyTheSpi() {
        PluginRules.checkMainClasses(PACKAGE);
    }

    @Test
    void testsUseTheKitNotTheCore() {
        PluginRules.checkTestClasses(PACKAGE);
    }
}
