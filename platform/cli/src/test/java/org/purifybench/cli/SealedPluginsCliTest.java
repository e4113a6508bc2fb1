package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.spi.Kind;
import org.purifybench.spi.PluginDescriptor;

/**
 * Third-party jars stay sealed in the harness: a defense whose static initialiser, constructor and
 * descriptor() set a system property and append to a marker file is listed, admitted, run and
 * verified, and none of that code runs in the harness JVM (the run's and verify's results are still
 * computed, by the sandbox child). A jar whose descriptor() disagrees with its descriptor file fails
 * its units with "descriptor mismatch"; a jar attack is refused with the reason.
 */
class SealedPluginsCliTest {
    static final String PROPERTY = "purifybench.test.cli.hostile";
    @TempDir
    static Path dir;
    static Path marker;
    static Path hostile;
    static Path liar;
    static Path attack;

    @BeforeAll
    static void buildJars() throws Exception {
        var javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools)");
        marker = dir.resolve("marker.txt");
        Path src = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(src.resolve("Hostile.java"), """
                package org.example.hostile;
                import org.purifybench.spi.*;
                public class Hostile implements Defense {
                    static {
                        mark("static initialiser");
                    }
                    public Hostile() {
                        mark("constructor");
                    }
                    static void mark(String where) {
                        System.setProperty("%s", where);
                        try {
                            java.nio.file.Files.writeString(java.nio.file.Path.of("%s"), where + "\\n",
                                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                        } catch (Exception e) {
                            System.err.println("hostile: cannot write the marker from " + where + ": " + e);
                        }
                    }
                    public PluginDescriptor descriptor() {
                        mark("descriptor()");
                        return PluginDescriptor.of(Kind.DEFENSE, "hostile", "1.0", "acts when loaded", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """.formatted(PROPERTY, marker.toAbsolutePath()));
        Files.writeString(src.resolve("Liar.java"), """
                package org.example.hostile;
                import org.purifybench.spi.*;
                public class Liar implements Defense {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "liar", "2.0", "says another version than its file", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """);
        Files.writeString(src.resolve("Sneaky.java"), """
                package org.example.hostile;
                import org.purifybench.spi.*;
                public class Sneaky implements Attack {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.ATTACK, "sneaky", "1.0", "an attack from a jar", "");
                    }
                    public Backdoor prepare(AttackContext context) {
                        throw new UnsupportedOperationException();
                    }
                }
                """);
        assertEquals(0, javac.run(null, null, System.err, "-proc:none", "--release", "17", "-d", classes.toString(), "-classpath",
                CodeFingerprint.locationOf(org.purifybench.spi.Defense.class).toString(), src.resolve("Hostile.java").toString(),
                src.resolve("Liar.java").toString(), src.resolve("Sneaky.java").toString()));
        hostile = jar(classes, "hostile", "Hostile", "Defense", "1.0");
        liar = jar(classes, "liar", "Liar", "Defense", "1.0"); // the class says 2.0
        attack = jar(classes, "sneaky", "Sneaky", "Attack", "1.0");
    }

    private static Path jar(Path classes, String id, String simpleName, String service, String version) throws Exception {
        Path jar = dir.resolve(id + ".jar");
        String kind = service.equals("Attack") ? "attack" : "defense";
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            PluginJarsCliTest.put(j, "org/example/hostile/" + simpleName + ".class",
                    Files.readAllBytes(classes.resolve("org/example/hostile/" + simpleName + ".class")));
            PluginJarsCliTest.put(j, "META-INF/services/org.purifybench.spi." + service,
                    ("org.example.hostile." + simpleName + "\n").getBytes(StandardCharsets.UTF_8));
            PluginJarsCliTest.put(j, "META-INF/purifybench/plugin.properties", """
                    spi-version = 1
                    %1$s.%2$s.class = org.example.hostile.%3$s
                    %1$s.%2$s.version = %4$s
                    %1$s.%2$s.needs =
                    %1$s.%2$s.description = declared in the descriptor file
                    """.formatted(kind, id, simpleName, version).getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    @BeforeEach
    @AfterEach
    void clean() throws Exception {
        System.clearProperty(PROPERTY);
        Files.deleteIfExists(marker);
    }

    private static void assertNothingRanHere(String after) {
        assertNull(System.getProperty(PROPERTY), "after " + after + ": the hostile plug-in's code ran in the harness JVM");
        assertFalse(Files.exists(marker), "after " + after + ": the hostile plug-in wrote its marker from the harness");
    }

    private static void assumeSandbox() {
        try {
            Sandbox.requireSupported(PluginDescriptor.of(Kind.DEFENSE, "probe", "1", "probe", ""), hostile);
        } catch (SandboxException e) {
            Assumptions.abort("the sandbox cannot be set up here: " + e.detail());
        }
    }

    private Path empty() throws Exception {
        return Files.createDirectories(dir.resolve("empty"));
    }

    @Test
    void listAndAdmitShowTheDeclaredDescriptorWithoutLoadingAClass() throws Exception {
        Result list = PluginJarsCliTest.run("list", "--plugin", hostile.toString(), "--submissions", empty().toString());
        assertEquals(0, list.code(), list.err());
        String line = list.out().lines().filter(l -> l.contains(" hostile ")).findFirst().orElseThrow(() -> new AssertionError(list.out()));
        assertTrue(line.contains("declared in the descriptor file") && line.contains(hostile.toString()), line);
        assertNothingRanHere("list");

        Result admit = PluginJarsCliTest.run("admit", hostile.toString(), "--json");
        assertEquals(0, admit.code(), admit.out() + admit.err());
        JsonNode v = new ObjectMapper().readTree(admit.out());
        assertTrue(v.get("accepted").asBoolean(), admit.out());
        assertEquals("org.example.hostile.Hostile", v.get("plugins").get(0).get("className").asText());
        assertEquals("declared in the descriptor file", v.get("plugins").get(0).get("description").asText());
        assertNothingRanHere("admit");
    }

    @Test
    void aJarAttackIsRefusedWithTheReason() throws Exception {
        Result admit = PluginJarsCliTest.run("admit", attack.toString(), "--json");
        assertEquals(1, admit.code(), admit.out());
        JsonNode v = new ObjectMapper().readTree(admit.out());
        assertEquals("registration", v.get("stage").asText());
        assertTrue(v.get("reason").asText().contains("third-party attacks and evaluators are not supported"), admit.out());
        assertTrue(v.get("fix").asText().contains("only defenses can be plug-in jars"), admit.out());
        Result list = PluginJarsCliTest.run("list", "--plugin", attack.toString(), "--submissions", empty().toString());
        assertEquals(1, list.code());
        assertTrue(list.out().contains(attack + ": it provides an attack"), list.out());
    }

    @Test
    void runComputesTheHostileDefensesResultsInTheChildAndFailsTheLiarWithTheMismatch() throws Exception {
        assumeSandbox();
        Path spec = Files.writeString(dir.resolve("sealed.yaml"), """
                name: sealed
                dataset: {id: synthetic, path: null, trainLimit: 300, testLimit: 200}
                splits: {tuningFraction: 0.05, validationFraction: 0.03, retuningPoolSize: 50}
                model: {arch: cnn-small, width: 4}
                training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
                attacks: [{id: badnet}]
                poisonRates: [0.1]
                targetLabel: 0
                defenses: [{id: none}, {id: hostile}, {id: liar}]
                evaluators: [{id: accuracy}]
                seeds: [0]
                """);
        Result r = PluginJarsCliTest.run("--work-dir", dir.resolve("run-work").toString(), "run", "--matrix", spec.toString(), "--quiet",
                "--plugin", hostile.toString(), "--plugin", liar.toString(), "--submissions", empty().toString());
        assertNothingRanHere("run");
        assertEquals(1, r.code(), "the liar's unit fails: " + r.err());
        assertTrue(r.err().contains("sandbox: defense 'hostile' finished (ok)"), r.err());
        assertTrue(r.err().contains("sandbox: wall limit per defense job 10 min (10x one training of cnn-small"), "printed before the jobs: " + r.err());
        assertTrue(r.err().contains("|liar|* (descriptor-mismatch)"), r.err());
        assertTrue(r.err().contains("liar") && r.err().contains("descriptor mismatch")
                && r.err().contains("descriptor() says version 2.0, plugin.properties says 1.0"), r.err());
        // the child ran the hostile class (and could not reach the harness's marker file)
        assertTrue(r.err().contains("hostile: cannot write the marker from static initialiser"), r.err());
        Path results = dir.resolve("run-work/runs").toFile().listFiles()[0].toPath().resolve("results.json");
        ResultsDocument doc = ResultsIO.read(results);
        assertEquals(3, doc.getRows().stream().filter(x -> x.defense().equals("hostile")).count(), "c-acc, asr, r-acc from the child's model");
        assertEquals(0, doc.getRows().stream().filter(x -> x.defense().equals("liar")).count());
        assertEquals(List.of("liar descriptor-mismatch"), doc.getFailures().stream().map(f -> f.defense() + " " + f.status().label())
                .toList(), "the liar's failure is on the record");
    }

    @Test
    void verifyRunsTheKitInTheSandboxAndNothingOfTheJarHere() throws Exception {
        assumeSandbox();
        Path golden = dir.resolve("hostile-golden.json");
        Result r = PluginJarsCliTest.run("--work-dir", Files.createDirectories(dir.resolve("verify-work")).toString(), "verify",
                hostile.toString(), "--write-golden", golden.toString(), "--quiet");
        assertNothingRanHere("verify");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("verify: every sandbox job (the kit's and the matrix's) is killed after 180 s"), r.err());
        assertTrue(r.out().contains("CONFORMANCE KIT (purify in the sandbox"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("descriptor agrees with the descriptor file") && l.contains("PASS")
                && l.contains("descriptor() in the sandbox child says the same")), r.out());
        assertTrue(Files.exists(golden), "golden results written from the child's models");

        // the liar: the kit reports the mismatch the child found, and verify fails
        Result l = PluginJarsCliTest.run("--work-dir", dir.resolve("verify-work").toString(), "verify", liar.toString(),
                "--write-golden", dir.resolve("liar-golden.json").toString(), "--quiet");
        assertEquals(1, l.code(), l.out() + l.err());
        assertTrue(l.out().lines().anyMatch(x -> x.contains("descriptor agrees with the descriptor file") && x.contains("FAIL")
                && x.contains("descriptor() says version 2.0, plugin.properties says 1.0")), l.out());
    }
}
