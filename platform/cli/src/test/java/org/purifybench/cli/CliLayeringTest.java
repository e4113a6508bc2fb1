package org.purifybench.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The command line may use the core and the kit, but finds plug-ins only through the registry. */
class CliLayeringTest {
    @Test
    void theCommandLineUsesNoPluginClass() {
        JavaClasses cli = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.purifybench.cli");
        noClasses().that().resideInAPackage("org.purifybench.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.purifybench.attacks..", "org.purifybench.defenses..",
                        "org.purifybench.evaluators..", "org.purifybench.toolkit..", "org.purifybench.web..")
                .because("built-in plug-ins are found by ServiceLoader like third-party ones, so the command line treats them alike")
                .check(cli);
    }
}
