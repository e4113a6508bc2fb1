package org.purifybench.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.ConformanceKit.Check;
import org.purifybench.tck.ConformanceKit.Result;
import org.purifybench.tck.ConformanceKit.Status;

/** The kit catches each broken rule, with a reason, and passes an honest defense. */
class ConformanceKitTest {
    private static ConformanceKit kit(Defense d, Duration budget, boolean strict) {
        return new ConformanceKit(d, new Params(Map.of()), ConformanceKit.inProcess(d), budget, strict);
    }

    private static ConformanceKit kit(Defense d) {
        return kit(d, ConformanceKit.DEFAULT_TIME_BUDGET, false);
    }

    private static Result expect(ConformanceKit kit, Check c, Status status, String text) {
        Result r = kit.check(c);
        assertEquals(status, r.status(), c + ": " + r.detail());
        assertTrue(r.detail().contains(text), c + ": '" + text + "' not in: " + r.detail());
        return r;
    }

    @Test
    void anHonestDefensePassesEveryCheck() {
        ConformanceKit k = kit(new KitFixtures.Honest());
        for (Result r : k.all()) {
            assertEquals(Status.PASS, r.status(), r.check() + ": " + r.detail());
        }
        expect(k, Check.DESCRIPTOR_FILE, Status.PASS, "defense.honest 1.0, needs [CLEAN_TUNING_DATA] in ");
        expect(k, Check.DECLARED_NEEDS, Status.PASS, "[CLEAN_TUNING_DATA]");
    }

    @Test
    void aClassTheDescriptorFileDoesNotDeclareFails() {
        expect(kit(new KitFixtures.Sleepy()), Check.DESCRIPTOR_FILE, Status.FAIL, "does not declare " + KitFixtures.Sleepy.class.getName());
    }

    @Test
    void usingAnUndeclaredNeedFails() {
        ConformanceKit k = kit(new KitFixtures.Undeclared());
        expect(k, Check.DECLARED_NEEDS, Status.FAIL, "purify failed in this JVM with exactly its declared needs []");
        expect(k, Check.DECLARED_NEEDS, Status.FAIL, "after asking for [CLEAN_TUNING_DATA], which it does not declare");
        expect(k, Check.ARCHITECTURE, Status.FAIL, "declare Need.CLEAN_TUNING_DATA");
    }

    @Test
    void askingForAnUndeclaredNeedFailsEvenWhenItCopes() {
        ConformanceKit k = kit(new KitFixtures.Peeks());
        expect(k, Check.DECLARED_NEEDS, Status.FAIL, "it asks for [VALIDATION_DATA] without declaring it");
        expect(k, Check.DETERMINISTIC, Status.PASS, "bit-for-bit");
    }

    @Test
    void declaredButUnusedNeedsAreANoteOrAFailureWhenStrict() {
        expect(kit(new KitFixtures.OverDeclared()), Check.DECLARED_NEEDS, Status.NOTE,
                "declares [VALIDATION_DATA, CLEAN_REFERENCE_MODEL] but never asked for it");
        expect(kit(new KitFixtures.OverDeclared(), ConformanceKit.DEFAULT_TIME_BUDGET, true), Check.DECLARED_NEEDS, Status.FAIL, "(strict needs)");
    }

    /**
     * A stand-in for the sandbox: purify in this JVM, but like a child's, its report of the needs asked
     * for is worthless (here: forged, claiming every need) and the kit must not read it; withholding a
     * need builds the context without it, as the sandbox's job folder does.
     */
    private static ConformanceKit.Purifier isolated(Defense d) {
        ConformanceKit.Purifier in = ConformanceKit.inProcess(d);
        return new ConformanceKit.Purifier() {
            @Override
            public ConformanceKit.Purified purify(TckFixture f, long seed, Params params) {
                ConformanceKit.Purified p = in.purify(f, seed, params);
                return new ConformanceKit.Purified(p.model(), p.failure(), java.util.EnumSet.allOf(org.purifybench.spi.Need.class), p.time());
            }

            @Override
            public ConformanceKit.Purified purifyWithout(TckFixture f, long seed, Params params, org.purifybench.spi.Need withheld) {
                org.purifybench.spi.PluginDescriptor full = d.descriptor();
                java.util.Set<org.purifybench.spi.Need> needs = java.util.EnumSet.copyOf(full.needs());
                needs.remove(withheld);
                org.purifybench.spi.PluginDescriptor less = new org.purifybench.spi.PluginDescriptor(full.kind(), full.id(), full.version(),
                        full.description(), full.paper(), needs, full.spiVersion());
                try {
                    return new ConformanceKit.Purified(d.purify(f.defenseContext(less, seed, params)), null, java.util.Set.of(), Duration.ZERO);
                } catch (RuntimeException e) {
                    return new ConformanceKit.Purified(null, e, java.util.Set.of(), Duration.ZERO);
                }
            }

            @Override
            public boolean isolated() {
                return true;
            }
        };
    }

    @Test
    void inTheSandboxNeedsAreObservedByWithholdingThemNeverReadFromTheChildsReport() {
        Defense honest = new KitFixtures.Honest();
        expect(new ConformanceKit(honest, new Params(Map.of()), isolated(honest), ConformanceKit.DEFAULT_TIME_BUDGET, false),
                Check.DECLARED_NEEDS, Status.PASS, "fails with each of them withheld (observed by the host, not reported by the child)");
        Defense over = new KitFixtures.OverDeclared();
        expect(new ConformanceKit(over, new Params(Map.of()), isolated(over), ConformanceKit.DEFAULT_TIME_BUDGET, false),
                Check.DECLARED_NEEDS, Status.NOTE, "declares [VALIDATION_DATA, CLEAN_REFERENCE_MODEL] but its sandbox job also succeeds"
                        + " with that data withheld");
    }

    @Test
    void anUnseededDefenseIsNotDeterministic() {
        expect(kit(new KitFixtures.Unseeded()), Check.DETERMINISTIC, Status.FAIL, "two runs with seed 7 differ");
    }

    @Test
    void writingIntoTheHarnesssModelIsCaughtAndUndone() {
        TckFixture f = TckFixture.get();
        var before = f.backdoored.flatParameters();
        expect(kit(new KitFixtures.Vandal()), Check.INPUT_UNTOUCHED, Status.FAIL, "parameters after the first run");
        assertTrue(ConformanceKit.same(before, f.backdoored.flatParameters()), "the fixture is restored for later kits");
    }

    @Test
    void anotherArchitectureFails() {
        expect(kit(new KitFixtures.Reshaper()), Check.ARCHITECTURE, Status.FAIL, "width=3");
    }

    @Test
    void aSlowDefenseExceedsASmallBudget() {
        ConformanceKit k = kit(new KitFixtures.Sleepy(), Duration.ofMillis(500), false);
        expect(k, Check.TIME_BUDGET, Status.FAIL, "(budget 0.5 s per call)");
        expect(kit(new KitFixtures.Sleepy(), Duration.ofSeconds(30), false), Check.TIME_BUDGET, Status.PASS, "purify took 1.");
    }

    @Test
    void claimingTestDataFailsTheDescriptor() {
        expect(kit(new KitFixtures.Greedy()), Check.DESCRIPTOR, Status.FAIL, "it declares TEST_DATA");
    }

    @Test
    void theBudgetPropertyOverridesTheFallback() {
        String old = System.getProperty(ConformanceKit.TIME_BUDGET_PROPERTY);
        try {
            System.setProperty(ConformanceKit.TIME_BUDGET_PROPERTY, "90");
            assertEquals(Duration.ofSeconds(90), ConformanceKit.timeBudget(Duration.ofSeconds(5)));
            System.setProperty(ConformanceKit.TIME_BUDGET_PROPERTY, "PT5M");
            assertEquals(Duration.ofMinutes(5), ConformanceKit.timeBudget(Duration.ofSeconds(5)));
            System.clearProperty(ConformanceKit.TIME_BUDGET_PROPERTY);
            assertEquals(Duration.ofSeconds(5), ConformanceKit.timeBudget(Duration.ofSeconds(5)));
        } finally {
            if (old != null) {
                System.setProperty(ConformanceKit.TIME_BUDGET_PROPERTY, old);
            }
        }
    }
}
