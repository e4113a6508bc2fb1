package org.purifybench.spi;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The SPI is all a plug-in sees of the host, so it names nothing of the host but itself. */
class SpiLayeringTest {
    @Test
    void theSpiUsesOnlyTheJdkAndNd4j() {
        JavaClasses spi = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.purifybench.spi");
        classes().that().resideInAPackage("org.purifybench.spi..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("org.purifybench.spi..", "java..", "javax..", "org.nd4j..")
                .because("a plug-in's class loader exposes the SPI and ND4J only: an SPI type naming anything else would not load there")
                .check(spi);
    }
}
