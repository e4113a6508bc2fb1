package org.purifybench.tck;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.ConformanceKit.Check;
import org.purifybench.tck.ConformanceKit.Result;
import org.purifybench.tck.ConformanceKit.Status;

/**
 * Conformance kit for defenses: extend it, return your defense (and quick params) and JUnit runs
 * every check of {@link ConformanceKit} (the same checks {@code purifybench verify} prints). Built-in
 * defenses run exactly this. {@code purify} runs in this JVM on the defense's class loaded as the
 * sandbox child loads it ({@link ConformanceKit#asInTheSandbox}): a new instance from the services
 * file, through a class loader that offers the JDK, the class's own jar or folder, the SPI and ND4J
 * only, so a library that is merely on the test class path fails here as it would in the sandbox.
 * {@code purify} runs twice per class (seed {@value ConformanceKit#SEED}) on the {@link TckFixture},
 * a synthetic 12x12 dataset with a tiny backdoored cnn-small; every test reads those two runs.
 *
 * <pre>
 * class MyDefenseConformanceTest extends DefenseConformance {
 *     protected Defense defense() { return new MyDefense(); }
 *     protected Params fastParams() { return new Params(Map.of("epochs", 1)); }
 * }
 * </pre>
 *
 * Each result is published as a JUnit report entry; a check that passes with a note (e.g. a declared
 * need the defense never asked for), and the time purify took, are also printed to standard error
 * ({@code conformance NOTE ...}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DefenseConformance {
    private ConformanceKit kit;

    /** The defense under test: a new instance, as the host creates it (public no-argument constructor). */
    protected abstract Defense defense();

    /** Parameters that keep the checks fast (e.g. fewer epochs): the fixture is a few hundred 12x12 images. */
    protected Params fastParams() {
        return new Params(Map.of("epochs", 1));
    }

    /**
     * The most one {@code purify} with {@link #fastParams()} may take on the fixture (default
     * {@link ConformanceKit#DEFAULT_TIME_BUDGET}); {@code -Dpurifybench.tck.time-budget=SECONDS} overrides it,
     * e.g. on a slow CI machine.
     */
    protected Duration timeBudget() {
        return ConformanceKit.DEFAULT_TIME_BUDGET;
    }

    /**
     * Whether a declared need that purify never asks for fails the kit (default: a note only, since
     * parameters may decide whether a need is used); {@code -Dpurifybench.tck.strict-needs=true} turns it on.
     */
    protected boolean strictNeeds() {
        return false;
    }

    /** The kit of this test class (its two purify runs are shared by all its tests). */
    protected final synchronized ConformanceKit kit() {
        if (kit == null) {
            Defense d = defense();
            // purify runs on the class as the sandbox loads it, so what the sandbox does not offer fails here too
            kit = new ConformanceKit(d, fastParams(), ConformanceKit.asInTheSandbox(d), ConformanceKit.timeBudget(timeBudget()),
                    ConformanceKit.strictNeeds(strictNeeds()));
        }
        return kit;
    }

    @Test
    void descriptorIsValid(TestReporter reporter) {
        require(Check.DESCRIPTOR, reporter);
    }

    @Test
    void descriptorAgreesWithTheDescriptorFile(TestReporter reporter) {
        require(Check.DESCRIPTOR_FILE, reporter);
    }

    @Test
    void contextOffersNoTestData(TestReporter reporter) {
        require(Check.NO_TEST_DATA, reporter);
    }

    @Test
    void needsAreDeclaredTruthfully(TestReporter reporter) {
        require(Check.DECLARED_NEEDS, reporter);
    }

    @Test
    void sameSeedGivesTheSameModel(TestReporter reporter) {
        require(Check.DETERMINISTIC, reporter);
    }

    @Test
    void leavesTheInputModelUntouched(TestReporter reporter) {
        require(Check.INPUT_UNTOUCHED, reporter);
    }

    @Test
    void keepsTheArchitecture(TestReporter reporter) {
        require(Check.ARCHITECTURE, reporter);
    }

    @Test
    void purifiesWithinTheTimeBudget(TestReporter reporter) {
        require(Check.TIME_BUDGET, reporter);
    }

    private void require(Check c, TestReporter reporter) {
        Result r = kit().check(c);
        reporter.publishEntry(c.title(), r.status() + ": " + r.detail());
        if (r.status() == Status.NOTE || c == Check.TIME_BUDGET) {
            System.err.println("conformance " + r.status() + " (" + getClass().getSimpleName() + ", " + c.title() + "): " + r.detail());
        }
        if (r.status() == Status.FAIL) {
            Assertions.fail(c.title() + ": " + r.detail());
        }
    }
}
