package org.purifybench.core;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
import com.tngtech.archunit.library.freeze.ViolationLineMatcher;
import org.junit.jupiter.api.Test;

/**
 * The core's own layering. Package cycles that only classes under rewrite can break are frozen:
 * the store under src/test/resources/archunit-frozen records them as known debt, a new cycle fails,
 * and a broken one is dropped from the store by the next run (commit that change). See
 * docs/architecture.md, "Layering rules", for how to read and refreeze the store.
 */
class CoreLayeringTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.purifybench.core");

    /**
     * A frozen cycle stays known while its packages (or classes) stay the same, whatever
     * dependencies close it: the classes that close the known cycles are being rewritten, and a
     * changed call between the same two packages is not a new cycle.
     */
    static final ViolationLineMatcher SAME_CYCLE = (actual, stored) -> cycle(actual).equals(cycle(stored));

    /** "Cycle detected: Slice a -> Slice b -> Slice a", whitespace folded, without the dependency list. */
    static String cycle(String violation) {
        int details = violation.indexOf("\n  1. ");
        return (details < 0 ? violation : violation.substring(0, details)).replaceAll("\\s+", " ").trim();
    }

    @Test
    void corePackagesHaveNoNewCycles() {
        ArchRule rule = slices().matching("org.purifybench.core.(*)..").should().beFreeOfCycles()
                .because("a package that imports back into the runner cannot be understood, tested or moved on its own");
        FreezingArchRule.freeze(rule).associateViolationLinesVia(SAME_CYCLE).check(CORE);
    }

    @Test
    void theReportsClassesHaveNoNewCycles() {
        ArchRule rule = slices().assignedFrom(TOP_LEVEL_CLASSES_OF_RESULTS).should().beFreeOfCycles()
                .because("the report's helpers should be leaves the writer calls, not classes that call the writer back");
        FreezingArchRule.freeze(rule).associateViolationLinesVia(SAME_CYCLE).check(CORE);
    }

    @Test
    void theCoreUsesNoModuleAboveIt() {
        noClasses().that().resideInAPackage("org.purifybench.core..")
                .should().dependOnClassesThat().resideInAnyPackage("org.purifybench.tck..", "org.purifybench.cli..",
                        "org.purifybench.attacks..", "org.purifybench.defenses..", "org.purifybench.evaluators..",
                        "org.purifybench.web..")
                .because("the core runs plug-ins through the SPI only, and the kit, the command line and the website build on it"
                        + " (the toolkit is below the core: the host shares its shuffle, seeds and memos with the plug-ins)")
                .check(CORE);
    }

    @Test
    void hashingIsALeaf() {
        noClasses().that().resideInAPackage("org.purifybench.core.hash..")
                .should().dependOnClassesThat(resideInAPackage("org.purifybench.core..").and(not(resideInAPackage("org.purifybench.core.hash.."))))
                .because("cache keys, fingerprints, memos and the sandbox all hash; hashing importing any of them makes a cycle")
                .check(CORE);
    }

    @Test
    void aFrozenCycleStaysKnownWhileTheSameSlicesFormItAndANewOneDoesNot() {
        String stored = "Cycle detected: Slice run -> \n                Slice sandbox -> \n                Slice run\n"
                + "  1. Dependencies of Slice run\n    - Method <a()> calls method <b()> in (A.java:1)";
        String otherCalls = "Cycle detected: Slice run -> \n    Slice sandbox -> \n    Slice run\n"
                + "  1. Dependencies of Slice run\n    - Method <c()> calls method <d()> in (C.java:9)";
        String newCycle = "Cycle detected: Slice run -> \n    Slice train -> \n    Slice run\n"
                + "  1. Dependencies of Slice run\n    - Method <a()> calls method <b()> in (A.java:1)";
        assertTrue(SAME_CYCLE.matches(otherCalls, stored));
        assertFalse(SAME_CYCLE.matches(newCycle, stored));
        assertEquals("Cycle detected: Slice run -> Slice sandbox -> Slice run", cycle(stored));
    }

    /** One slice per top-level class of core.results (nested and anonymous classes count as their outer class). */
    private static final SliceAssignment TOP_LEVEL_CLASSES_OF_RESULTS = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            if (!c.getPackageName().equals("org.purifybench.core.results")) {
                return SliceIdentifier.ignore();
            }
            JavaClass top = c;
            while (top.getEnclosingClass().isPresent()) {
                top = top.getEnclosingClass().get();
            }
            return SliceIdentifier.of(top.getSimpleName());
        }

        @Override
        public String getDescription() {
            return "top-level classes of org.purifybench.core.results";
        }
    };
}
