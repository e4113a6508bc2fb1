package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/** The descriptor file's keys for role, metrics, needed roles and parameters, and what it refuses. */
class DescriptorFileTest {
    private static final String DEFENSE = """
            spi-version = 1
            defense.d.class = com.example.D
            defense.d.version = 1.0
            defense.d.needs = CLEAN_TUNING_DATA
            defense.d.description = a defense
            """;

    private static DescriptorFile parse(String text) {
        return DescriptorFile.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String refused(String text) {
        JarProblem p = assertThrows(JarProblem.class, () -> parse(text));
        return p.getMessage() + " | " + p.fix();
    }

    @Test
    void aFileWithoutTheNewKeysIsAPurifierWithoutParameters() {
        DescriptorFile.Declared d = parse(DEFENSE).plugins().get(0);
        assertEquals(Role.PURIFIER, d.role());
        assertEquals(List.of(), d.params());
        assertEquals(List.of(), d.metrics());
        assertEquals(Set.of(), d.needsRoles());
        assertEquals(PluginDescriptor.of(Kind.DEFENSE, "d", "1.0", "a defense", "", Need.CLEAN_TUNING_DATA), d.descriptor());
        assertFalse(d.paramsDeclared(), "a file from before declared parameters says nothing about them");
    }

    @Test
    void paramsDeclaredSaysTheListIsComplete() {
        assertTrue(parse(DEFENSE + "defense.d.params-declared = true\n").plugins().get(0).paramsDeclared(), "none, declared");
        assertTrue(parse(DEFENSE + """
                defense.d.param.k.type = INT
                defense.d.param.k.default = 3
                defense.d.param.k.description = k
                """).plugins().get(0).paramsDeclared(), "a file that lists parameters declares them");
        String bad = refused(DEFENSE + "defense.d.params-declared = yes\n");
        assertTrue(bad.contains("params-declared = yes") && bad.contains("write 'true'"), bad);
    }

    @Test
    void readsRoleAndParametersInTheFilesOrder() {
        DescriptorFile.Declared d = parse(DEFENSE + """
                defense.d.role = ORACLE
                defense.d.param.rho.type = NUMBER
                defense.d.param.rho.default = auto
                defense.d.param.rho.min = 0
                defense.d.param.rho.choices = auto
                defense.d.param.rho.per-attack = true
                defense.d.param.rho.description = step size
                defense.d.param.rho.source = Algorithm 1
                defense.d.param.epochs.type = INT
                defense.d.param.epochs.default = 10
                defense.d.param.epochs.max = 100
                defense.d.param.epochs.description = epochs
                """).plugins().get(0);
        assertEquals(Role.ORACLE, d.role());
        assertEquals(List.of(
                new ParamSpec("rho", ParamType.NUMBER, "auto", 0, Double.POSITIVE_INFINITY, List.of("auto"), true, "step size", "Algorithm 1"),
                new ParamSpec("epochs", ParamType.INT, "10", Double.NEGATIVE_INFINITY, 100, List.of(), false, "epochs", "")), d.params());
        assertEquals(d.params(), d.descriptor().params());
        assertEquals(Role.ORACLE, d.descriptor().role());
    }

    @Test
    void readsMetricsAndNeededRolesOfEvaluators() {
        DescriptorFile.Declared d = parse("""
                spi-version = 1
                evaluator.e.class = com.example.E
                evaluator.e.version = 1
                evaluator.e.needs = TEST_DATA
                evaluator.e.description = an evaluator
                evaluator.e.metrics = p-asr, c-asr, p-asr-from:*
                evaluator.e.needs-roles = ORACLE
                """).plugins().get(0);
        assertEquals(List.of("p-asr", "c-asr", "p-asr-from:*"), d.metrics());
        assertEquals(Set.of(Role.ORACLE), d.needsRoles());
        assertEquals(Role.PURIFIER, d.role());
    }

    @Test
    void refusesUnknownAndRepeatedKeys() {
        assertTrue(refused(DEFENSE + "defense.d.param.rho.typo = 1\n").contains("unknown key 'defense.d.param.rho.typo'"));
        assertTrue(refused(DEFENSE + "defense.d.rolle = ORACLE\n").contains("unknown key 'defense.d.rolle'"));
        assertTrue(refused(DEFENSE + "defense.d.role = ORACLE\ndefense.d.role = PURIFIER\n").contains("defense.d.role more than once"));
    }

    @Test
    void refusesBadValuesOfTheNewKeys() {
        assertTrue(refused(DEFENSE + "defense.d.role = JUDGE\n").contains("'JUDGE' is not a Role"));
        assertTrue(refused(DEFENSE + "defense.d.metrics = asr\n").contains("only evaluators have metrics"));
        assertTrue(refused(DEFENSE + "defense.d.needs-roles = ORACLE\n").contains("only evaluators have needs-roles"));
        assertTrue(refused(DEFENSE.replace("defense.", "attack.") + "attack.d.role = ORACLE\n").contains("only defenses have a role"));
        String p = "defense.d.param.x.";
        assertTrue(refused(DEFENSE + p + "type = INT\n" + p + "description = x\n").contains("lacks defense.d.param.x.default"));
        assertTrue(refused(DEFENSE + p + "type = FLOAT\n" + p + "default = 1\n" + p + "description = x\n").contains("'FLOAT' is not a ParamType"));
        assertTrue(refused(DEFENSE + p + "type = INT\n" + p + "default = 5\n" + p + "max = 3\n" + p + "description = x\n")
                .contains("default = 5, which is out of its range"));
        assertTrue(refused(DEFENSE + p + "type = INT\n" + p + "default = 1\n" + p + "min = low\n" + p + "description = x\n")
                .contains("defense.d.param.x.min = low, not a number"));
        assertTrue(refused(DEFENSE + p + "type = INT\n" + p + "default = 1\n" + p + "per-attack = yes\n" + p + "description = x\n")
                .contains("per-attack = yes"));
        assertTrue(refused(DEFENSE + "defense.d.param.X.type = INT\ndefense.d.param.X.default = 1\ndefense.d.param.X.description = x\n")
                .contains("parameter name 'X'"));
    }

    @Test
    void mismatchComparesRoleAndParameters() {
        DescriptorFile.Declared d = parse(DEFENSE + """
                defense.d.param.epochs.type = INT
                defense.d.param.epochs.default = 10
                defense.d.param.epochs.description = epochs
                """).plugins().get(0);
        ParamSpec epochs = new ParamSpec("epochs", ParamType.INT, "10", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, List.of(), false,
                "other words", "a source");
        PluginDescriptor same = new PluginDescriptor(Kind.DEFENSE, "d", "1.0", "x", "", Set.of(Need.CLEAN_TUNING_DATA), SpiVersion.CURRENT,
                Role.PURIFIER, List.of(), Set.of(), List.of(epochs));
        assertNull(d.mismatch(same), "descriptions and sources are not compared");
        PluginDescriptor oracle = new PluginDescriptor(Kind.DEFENSE, "d", "1.0", "x", "", Set.of(Need.CLEAN_TUNING_DATA), SpiVersion.CURRENT,
                Role.ORACLE, List.of(), Set.of(), List.of(epochs));
        assertTrue(d.mismatch(oracle).contains("descriptor() says role ORACLE, plugin.properties says defense.d.role = PURIFIER"), d.mismatch(oracle));
        ParamSpec eleven = new ParamSpec("epochs", ParamType.INT, "11", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, List.of(), false,
                "epochs", "");
        PluginDescriptor otherDefault = new PluginDescriptor(Kind.DEFENSE, "d", "1.0", "x", "", Set.of(Need.CLEAN_TUNING_DATA),
                SpiVersion.CURRENT, Role.PURIFIER, List.of(), Set.of(), List.of(eleven));
        assertTrue(d.mismatch(otherDefault).contains("parameter epochs is INT default '11'"), d.mismatch(otherDefault));
        PluginDescriptor none = PluginDescriptor.of(Kind.DEFENSE, "d", "1.0", "x", "", Need.CLEAN_TUNING_DATA);
        assertTrue(d.mismatch(none).contains("descriptor() says parameters [], plugin.properties says [epochs]"), d.mismatch(none));
    }
}
