package org.purifybench.web;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The website reads results documents; it links none of the benchmark's code. */
class WebLayeringTest {
    @Test
    void theWebsiteUsesNeitherTheCoreNorTheSpiNorNd4j() {
        JavaClasses web = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.purifybench.web");
        noClasses().that().resideInAPackage("org.purifybench.web..")
                .should().dependOnClassesThat().resideInAnyPackage("org.purifybench.core..", "org.purifybench.spi..",
                        "org.purifybench.tck..", "org.purifybench.cli..", "org.purifybench.attacks..", "org.purifybench.defenses..",
                        "org.purifybench.evaluators..", "org.purifybench.toolkit..", "org.nd4j..", "org.bytedeco..")
                .because("the website is deployed on its own and only reads results documents (JSON, checked against the schema)")
                .check(web);
    }
}
