package org.purifybench.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles small plug-in sources in-process with the processor and checks what it writes or reports. */
class PluginProcessorTest {
    @TempDir
    Path out;

    private static final String IMPORTS = "package p;\nimport org.purifybench.spi.*;\nimport java.util.*;\n";
    private static final String DEFENSE_BODY = " { public Model purify(DefenseContext c) { return null; } }";

    record Result(boolean ok, List<String> errors, Path out) {
        String read(String path) throws IOException {
            return Files.readString(out.resolve(path), StandardCharsets.UTF_8);
        }

        String errorText() {
            return String.join("\n", errors);
        }
    }

    private Result compile(String... sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> units = new ArrayList<>();
        for (String src : sources) {
            String name = src.replaceAll("(?s).*?(?:class|interface) (\\w+).*", "$1");
            units.add(new SimpleJavaFileObject(URI.create("string:///p/" + name + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return src;
                }
            });
        }
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        var task = javac.getTask(null, null, diags,
                List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"), "-proc:only"), null, units);
        task.setProcessors(List.of(new PluginProcessor()));
        boolean ok = task.call();
        List<String> errors = diags.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.toList());
        return new Result(ok, errors, out);
    }

    private static String defense(String annotation, String cls) {
        return IMPORTS + annotation + "\npublic class " + cls + " implements Defense" + DEFENSE_BODY;
    }

    @Test
    void writesServicesAndDescriptorWithEveryKey() throws IOException {
        Result r = compile(defense("""
                @PurifyBenchPlugin(kind = Kind.DEFENSE, id = "my-def", version = "1.2.0", description = "Tunes: a = b # not a comment",
                    paper = "Someone, 2024", needs = {Need.VALIDATION_DATA, Need.CLEAN_TUNING_DATA}, role = Role.ORACLE,
                    params = {
                      @Param(name = "epochs", type = ParamType.INT, defaultValue = "10", min = 1, max = 100, description = "epochs", source = "paper 4.1"),
                      @Param(name = "rho", type = ParamType.NUMBER, defaultValue = "auto", min = 0, choices = {"auto"}, perAttack = true, description = "radius"),
                      @Param(name = "loss", type = ParamType.STRING, defaultValue = "paper", choices = {"paper", "reference"}, description = "which loss")})""",
                "MyDef"), IMPORTS + """
                @PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "my-eval", version = "1", description = "e", metrics = {"c-acc", "asr"},
                    needsRoles = Role.ORACLE)
                public class MyEval implements Evaluator {
                  public EvaluationResult evaluate(EvaluationContext c) { return null; }
                }""");
        assertTrue(r.ok(), r.errorText());
        assertEquals("p.MyDef\n", r.read("META-INF/services/org.purifybench.spi.Defense"));
        assertEquals("p.MyEval\n", r.read("META-INF/services/org.purifybench.spi.Evaluator"));
        assertFalse(Files.exists(out.resolve("META-INF/services/org.purifybench.spi.Attack")));
        Properties props = new Properties();
        props.load(new StringReader(r.read(PluginProcessor.DESCRIPTOR_PATH)));
        assertEquals("1", props.getProperty("spi-version"));
        assertEquals("p.MyDef", props.getProperty("defense.my-def.class"));
        assertEquals("1.2.0", props.getProperty("defense.my-def.version"));
        assertEquals("CLEAN_TUNING_DATA, VALIDATION_DATA", props.getProperty("defense.my-def.needs"));
        assertEquals("Tunes: a = b # not a comment", props.getProperty("defense.my-def.description"));
        assertEquals("Someone, 2024", props.getProperty("defense.my-def.paper"));
        assertEquals("ORACLE", props.getProperty("defense.my-def.role"));
        assertEquals("true", props.getProperty("defense.my-def.params-declared"));
        assertEquals("true", props.getProperty("evaluator.my-eval.params-declared"), "no parameters is a declaration too");
        assertEquals("INT", props.getProperty("defense.my-def.param.epochs.type"));
        assertEquals("10", props.getProperty("defense.my-def.param.epochs.default"));
        assertEquals("1", props.getProperty("defense.my-def.param.epochs.min"));
        assertEquals("100", props.getProperty("defense.my-def.param.epochs.max"));
        assertEquals("paper 4.1", props.getProperty("defense.my-def.param.epochs.source"));
        assertEquals(null, props.getProperty("defense.my-def.param.epochs.per-attack"));
        assertEquals("auto", props.getProperty("defense.my-def.param.rho.choices"));
        assertEquals("true", props.getProperty("defense.my-def.param.rho.per-attack"));
        assertEquals(null, props.getProperty("defense.my-def.param.rho.max"));
        assertEquals("paper, reference", props.getProperty("defense.my-def.param.loss.choices"));
        assertEquals("c-acc, asr", props.getProperty("evaluator.my-eval.metrics"));
        assertEquals("ORACLE", props.getProperty("evaluator.my-eval.needs-roles"));
        assertEquals(null, props.getProperty("evaluator.my-eval.role"));
        assertEquals(null, props.getProperty("evaluator.my-eval.paper"));
        assertEquals("", props.getProperty("evaluator.my-eval.needs"));
    }

    @Test
    void writesNothingForACompilationWithoutPlugins() {
        Result r = compile(IMPORTS + "public class Plain {}");
        assertTrue(r.ok(), r.errorText());
        assertFalse(Files.exists(out.resolve(PluginProcessor.DESCRIPTOR_PATH)));
    }

    @Test
    void nestedClassesGetTheirBinaryName() throws IOException {
        Result r = compile(IMPORTS + """
                public class Outer {
                  @PurifyBenchPlugin(kind = Kind.DEFENSE, id = "inner", version = "1", description = "d")
                  public static class In implements Defense""" + DEFENSE_BODY + "\n}");
        assertTrue(r.ok(), r.errorText());
        assertEquals("p.Outer$In\n", r.read("META-INF/services/org.purifybench.spi.Defense"));
    }

    private void assertError(Result r, String... fragments) {
        assertFalse(r.ok(), "compiled, expected an error with " + List.of(fragments));
        for (String f : fragments) {
            assertTrue(r.errors().stream().anyMatch(e -> e.contains(f)), "no error contains '" + f + "': " + r.errorText());
        }
        assertFalse(Files.exists(out.resolve(PluginProcessor.DESCRIPTOR_PATH)), "a failed compilation must write no descriptor");
    }

    private static final String OK = "@PurifyBenchPlugin(kind = Kind.DEFENSE, id = \"d\", version = \"1\", description = \"d\"";

    @Test
    void refusesAClassThatDoesNotImplementItsKind() {
        assertError(compile(IMPORTS + "@PurifyBenchPlugin(kind = Kind.ATTACK, id = \"a\", version = \"1\", description = \"d\")\n"
                + "public class NotAnAttack implements Defense" + DEFENSE_BODY), "p.NotAnAttack", "org.purifybench.spi.Attack");
    }

    @Test
    void refusesAClassWithoutPublicNoArgConstructor() {
        assertError(compile(IMPORTS + OK + ")\npublic class NoCtor implements Defense { public NoCtor(int x) {}"
                + " public Model purify(DefenseContext c) { return null; } }"), "p.NoCtor", "no public no-argument constructor");
    }

    @Test
    void refusesAnAbstractClass() {
        assertError(compile(IMPORTS + OK + ")\npublic abstract class Abs implements Defense {}"), "p.Abs is abstract");
    }

    @Test
    void refusesABadIdAndABadParamName() {
        assertError(compile(defense("@PurifyBenchPlugin(kind = Kind.DEFENSE, id = \"Bad_Id\", version = \"1\", description = \"d\","
                + " params = @Param(name = \"Epochs\", type = ParamType.INT, defaultValue = \"1\", description = \"e\"))", "BadId")),
                "p.BadId: id 'Bad_Id'", "parameter 'Epochs' has an invalid name");
    }

    @Test
    void refusesDefaultsThatAreNotValuesOfTheirDeclaration() {
        assertError(compile(defense(OK + ", params = {"
                + "@Param(name = \"a\", type = ParamType.INT, defaultValue = \"1.5\", description = \"x\"),"
                + "@Param(name = \"b\", type = ParamType.NUMBER, defaultValue = \"2\", max = 1, description = \"x\"),"
                + "@Param(name = \"c\", type = ParamType.STRING, defaultValue = \"z\", choices = {\"x\", \"y\"}, description = \"x\"),"
                + "@Param(name = \"d\", type = ParamType.BOOLEAN, defaultValue = \"yes\", description = \"x\"),"
                + "@Param(name = \"e\", type = ParamType.NUMBER_LIST, defaultValue = \"0.1, -1\", min = 0, description = \"x\")})", "Defaults")),
                "parameter 'a': default '1.5' does not parse as an INT",
                "parameter 'b': default '2' is out of its range",
                "parameter 'c': default 'z' is not one of its choices x, y",
                "parameter 'd': default 'yes' is not a BOOLEAN",
                "parameter 'e': default '0.1, -1' has an element '-1'");
    }

    @Test
    void refusesARepeatedParameter() {
        assertError(compile(defense(OK + ", params = {@Param(name = \"a\", type = ParamType.INT, defaultValue = \"1\", description = \"x\"),"
                + "@Param(name = \"a\", type = ParamType.INT, defaultValue = \"2\", description = \"x\")})", "Twice")),
                "p.Twice: parameter 'a' is declared twice");
    }

    @Test
    void refusesRoleMetricsAndNeededRolesOnTheWrongKind() {
        assertError(compile(IMPORTS + """
                @PurifyBenchPlugin(kind = Kind.ATTACK, id = "a", version = "1", description = "d", role = Role.ORACLE, metrics = "asr",
                    needsRoles = Role.ORACLE)
                public abstract class WrongKind implements Attack {}"""), "p.WrongKind: role = ORACLE on a attack",
                "p.WrongKind: metrics on a attack", "p.WrongKind: needsRoles on a attack");
        assertError(compile(defense(OK + ", metrics = \"asr\", needsRoles = Role.ORACLE)", "DefWithMetrics")),
                "p.DefWithMetrics: metrics on a defense", "p.DefWithMetrics: needsRoles on a defense");
    }

    @Test
    void refusesDuplicateIds() {
        assertError(compile(defense(OK + ")", "First"), defense(OK + ")", "Second")), "declares defense 'd', which p.");
    }

    @Test
    void refusesAnEvaluatorsNeedOnADefense() {
        assertError(compile(defense(OK + ", needs = Need.TEST_DATA)", "Peeks")), "p.Peeks: needs TEST_DATA");
    }

    @Test
    void escapesLikeProperties() throws IOException {
        String text = " lead, a=b:c #d !e \\ tab\tnl\n";
        Properties props = new Properties();
        props.load(new StringReader(PluginProcessor.escape("k y", true) + " = " + PluginProcessor.escape(text, false)));
        assertEquals(text, props.getProperty("k y"));
        assertEquals("2", PluginProcessor.number(2.0));
        assertEquals("0.5", PluginProcessor.number(0.5));
    }
}
