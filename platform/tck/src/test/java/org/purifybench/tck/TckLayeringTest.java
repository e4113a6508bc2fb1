package org.purifybench.tck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The kit's public API is typed with SPI types, so a plug-in's tests that use it need nothing from the core. */
class TckLayeringTest {
    private static final JavaClasses KIT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.purifybench.tck");

    @Test
    void theKitsPublicApiExposesNoCoreType() {
        classes().that().resideInAPackage("org.purifybench.tck..").and().arePublic()
                .should(exposeNoTypeOf("org.purifybench.core."))
                .because("plug-in tests use the kit's fixtures, and they may see only what the plug-in sees (the SPI)")
                .check(KIT);
    }

    @Test
    void theRuleSeesACoreTypeInAPublicSignature() {
        JavaClasses withCore = new ClassFileImporter().importClasses(LeakyFixture.class);
        EvaluationResult r = classes().should(exposeNoTypeOf("org.purifybench.core.")).evaluate(withCore);
        assertTrue(r.hasViolation(), "a public field typed with a core class is reported");
        assertTrue(r.getFailureReport().getDetails().toString().contains("leaky"), r.getFailureReport().toString());
    }

    @Test
    void pluginRulesRejectACoreImportAndAcceptTheSpi() {
        JavaClasses plugin = new ClassFileImporter().importPackages("org.purifybench.tck.layering");
        EvaluationResult r = PluginRules.useOnlyTheSpi("org.purifybench.tck.layering").evaluate(plugin);
        assertTrue(r.hasViolation());
        String report = r.getFailureReport().toString();
        assertTrue(report.contains("CoreUsingPlugin") && report.contains("DefaultHost"), report);
        assertFalse(report.contains("SpiOnlyPlugin"), report);
        assertTrue(PluginRules.testsUseTheKitNotTheCore("org.purifybench.tck.layering").evaluate(plugin).hasViolation());
    }

    /** A public class whose public signatures name a core type. */
    public static final class LeakyFixture {
        public org.purifybench.core.host.DefaultHost leaky;
    }

    /** No public or protected member, supertype or thrown type of the class names a type in {@code prefix}. */
    static ArchCondition<JavaClass> exposeNoTypeOf(String prefix) {
        return new ArchCondition<>("expose no " + prefix + "* type in public or protected signatures") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                List<String> leaks = new ArrayList<>();
                c.getRawSuperclass().ifPresent(s -> leak(leaks, prefix, "superclass", List.of(s)));
                c.getInterfaces().forEach(i -> leak(leaks, prefix, "interface", List.of(i)));
                for (JavaField f : c.getFields()) {
                    if (visible(f.getModifiers())) {
                        leak(leaks, prefix, "field " + f.getName(), List.of(f.getType()));
                    }
                }
                for (JavaCodeUnit u : c.getCodeUnits()) {
                    if (visible(u.getModifiers())) {
                        List<JavaType> types = new ArrayList<>(u.getParameterTypes());
                        types.add(u.getReturnType());
                        types.addAll(u.getThrowsClause().getTypes());
                        leak(leaks, prefix, u.getName() + u.getRawParameterTypes().stream().map(JavaClass::getSimpleName).toList(), types);
                    }
                }
                for (String l : leaks) {
                    events.add(SimpleConditionEvent.violated(c, c.getName() + ": " + l));
                }
            }
        };
    }

    private static boolean visible(Set<JavaModifier> m) {
        return m.contains(JavaModifier.PUBLIC) || m.contains(JavaModifier.PROTECTED);
    }

    private static void leak(List<String> into, String prefix, String where, List<? extends JavaType> types) {
        for (JavaType t : types) {
            for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                if (raw.getName().startsWith(prefix)) {
                    into.add(where + " names " + raw.getName());
                }
            }
        }
    }
}
