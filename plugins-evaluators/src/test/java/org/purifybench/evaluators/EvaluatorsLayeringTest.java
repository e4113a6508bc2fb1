package org.purifybench.evaluators;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.purifybench.tck.PluginRules;

/** The evaluators use only the SPI (and the toolkit, the JDK, ND4J); their tests use the kit, not the core. */
class EvaluatorsLayeringTest {
    private static final String PACKAGE = "org.purifybench.evaluators";

    @Test
    void pluginClassesUseOnlyTheSpi() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(PACKAGE);
        PluginRules.useOnlyTheSpi(PACKAGE).check(main);
    }

    @Test
    void testsUseTheKitNotTheCore() {
        JavaClasses tests = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS).importPackages(PACKAGE);
        PluginRules.testsUseTheKitNotTheCore(PACKAGE).check(tests);
    }
}
