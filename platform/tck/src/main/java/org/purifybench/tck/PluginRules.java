package org.purifybench.tck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;

/**
 * What a plug-in's code and its tests may use, as ArchUnit rules a plug-in module checks on its
 * own classes (the built-in attacks, defenses and evaluators do; a third-party defense may, with
 * com.tngtech.archunit:archunit in test scope).
 */
public final class PluginRules {
    /**
     * Packages a plug-in's classes may use besides their own: the SPI, the plug-in toolkit, the JDK
     * and ND4J, what the host's plug-in class loader exposes to a jar plus the shared plug-in helpers.
     */
    public static final List<String> ALLOWED = List.of("org.purifybench.spi..", "org.purifybench.toolkit..", "java..", "org.nd4j..");

    private PluginRules() {
    }

    /** The classes in {@code pluginPackage} (and below) use only their own package and {@link #ALLOWED}. */
    public static ArchRule useOnlyTheSpi(String pluginPackage) {
        List<String> allowed = new ArrayList<>(ALLOWED);
        allowed.add(pluginPackage + "..");
        return classes().that().resideInAPackage(pluginPackage + "..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(allowed.toArray(String[]::new))
                .because("a plug-in runs against the SPI only: in a sandboxed jar nothing else of the host is visible,"
                        + " and a built-in one must be movable to a jar unchanged");
    }

    /**
     * The tests in {@code pluginPackage} do not use the core: the kit ({@link TckFixture}, {@link Tck})
     * gives them the host's parts typed with SPI types, so a test sees what its plug-in sees.
     */
    public static ArchRule testsUseTheKitNotTheCore(String pluginPackage) {
        return noClasses().that().resideInAPackage(pluginPackage + "..")
                .should().dependOnClassesThat().resideInAPackage("org.purifybench.core..")
                .because("plug-in tests get the host's trainer, models, data and contexts from the kit (TckFixture, Tck)");
    }

    /** Checks {@link #useOnlyTheSpi} on the main classes of {@code pluginPackage}. */
    public static void checkMainClasses(String pluginPackage) {
        useOnlyTheSpi(pluginPackage).check(new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(pluginPackage));
    }

    /** Checks {@link #testsUseTheKitNotTheCore} on the test classes of {@code pluginPackage}. */
    public static void checkTestClasses(String pluginPackage) {
        testsUseTheKitNotTheCore(pluginPackage).check(new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS).importPackages(pluginPackage));
    }
}
