package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.fingerprint.CodeFingerprint;

/** --plugin and --submissions on list and run: sources shown, refused jars named, a run refuses to start. */
class PluginJarsCliTest {
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = PurifyBench.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A third-party defense jar, compiled here against the SPI alone. */
    static Path goodJar(Path dir) throws Exception {
        return defenseJar(dir, "shrug");
    }

    /** A defense jar whose plug-in id is {@code id} (in its descriptor() and its descriptor file). */
    static Path defenseJar(Path dir, String id) throws Exception {
        return defenseJar(dir, id, "0.9", "returns the model unchanged");
    }

    /** A defense jar whose descriptor file gives this version and description (its class says 0.9 and another description). */
    static Path defenseJar(Path dir, String id, String version, String description) throws Exception {
        var javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools)");
        Path src = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(src.resolve("Shrug.java"), """
                package org.example.shrug;
                import org.purifybench.spi.*;
                public class Shrug implements Defense {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "%s", "0.9", "returns the model unchanged", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """.formatted(id));
        String cp = CodeFingerprint.locationOf(org.purifybench.spi.Defense.class).toString();
        assertEquals(0, javac.run(null, null, System.err, "-proc:none", "--release", "17", "-d", classes.toString(),
                "-classpath", cp, src.resolve("Shrug.java").toString()));
        Path jar = dir.resolve(id + ".jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            put(j, "org/example/shrug/Shrug.class", Files.readAllBytes(classes.resolve("org/example/shrug/Shrug.class")));
            put(j, "META-INF/services/org.purifybench.spi.Defense", "org.example.shrug.Shrug\n".getBytes(StandardCharsets.UTF_8));
            put(j, "META-INF/purifybench/plugin.properties", """
                    spi-version = 1
                    defense.%1$s.class = org.example.shrug.Shrug
                    defense.%1$s.version = %2$s
                    defense.%1$s.needs =
                    defense.%1$s.description = %3$s
                    """.formatted(id, version, description).getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    static void put(JarOutputStream j, String name, byte[] bytes) throws Exception {
        j.putNextEntry(new JarEntry(name));
        j.write(bytes);
        j.closeEntry();
    }

    @Test
    void listShowsWhereEachPluginComesFrom(@TempDir Path dir) throws Exception {
        Path jar = goodJar(dir);
        Result r = run("list", "--plugin", jar.toString(), "--submissions", Files.createDirectories(dir.resolve("empty")).toString());
        assertEquals(0, r.code(), r.err());
        String shrug = r.out().lines().filter(l -> l.contains(" shrug ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(shrug.contains(jar.toString()), shrug);
        String badnet = r.out().lines().filter(l -> l.contains(" badnet ")).findFirst().orElseThrow();
        assertTrue(badnet.contains("built-in"), badnet);
    }

    @Test
    void listEscapesAndCutsAJarsDescriptionAsAdmitDoes(@TempDir Path dir) throws Exception {
        String esc = "\u001B";
        String description = esc + "[2J" + esc + "]0;owned" + "\u0007 clears the screen \u202Eevil" + "x".repeat(20_000);
        Path jar = defenseJar(dir, "loud", "0.9" + esc + "[31m", description);
        Result r = run("list", "--plugin", jar.toString(), "--submissions", Files.createDirectories(dir.resolve("empty")).toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains(esc) || r.out().contains("\u0007") || r.out().contains("\u202E"), "no raw control or bidi character");
        String loud = r.out().lines().filter(l -> l.contains(" loud ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(loud.contains("\\u001B[2J\\u001B]0;owned\\u0007 clears the screen \\u202Eevilxxx"), loud);
        assertTrue(loud.contains("0.9\\u001B[31m"), "the version too: " + loud);
        String shown = org.purifybench.core.plugin.DescriptorFile.shown(description);
        assertTrue(loud.contains(shown), loud);
        assertTrue(shown.endsWith("x... (20,038 characters in all)"), shown);
        assertTrue(loud.length() < 700, "cut to a line: " + loud.length() + " characters");

        // admit --json shows the very same text (one function)
        Result admit = run("admit", jar.toString(), "--json");
        assertEquals(0, admit.code(), admit.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(admit.out());
        assertEquals(shown, json.get("plugins").get(0).get("description").asText());
    }

    @Test
    void jarsInTheSubmissionsFolderArePickedUpAndRefusedOnesListed(@TempDir Path dir) throws Exception {
        Path submissions = Files.createDirectories(dir.resolve("submissions"));
        Files.copy(goodJar(dir), submissions.resolve("b-shrug.jar"));
        Files.writeString(submissions.resolve("a-broken.jar"), "not a zip");
        Files.writeString(submissions.resolve("notes.txt"), "not a jar, ignored");
        Result r = run("list", "--submissions", submissions.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().contains(" shrug "), r.out());
        assertTrue(r.out().contains(" badnet "), "the good plug-ins are still listed:\n" + r.out());
        assertTrue(r.out().contains("REFUSED"), r.out());
        assertTrue(r.out().contains(submissions.resolve("a-broken.jar") + ": it is not a valid jar/zip file"), r.out());
        assertFalse(r.out().contains("notes.txt"), r.out());
        assertEquals("error: 1 plug-in jar(s) refused (listed above)", r.err().strip());
    }

    @Test
    void runRefusesToStartWithARefusedJar(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jar");
        Files.writeString(bad, "not a zip");
        Path spec = dir.resolve("m.yaml");
        Files.writeString(spec, MatrixRunnerTest.TINY);
        Result r = run("--work-dir", dir.resolve("w").toString(), "run", "--matrix", spec.toString(), "--quiet",
                "--plugin", bad.toString(), "--submissions", Files.createDirectories(dir.resolve("empty")).toString());
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("error: plug-in jar " + bad + " refused: it is not a valid jar/zip file"), lines[0]);
        assertFalse(Files.exists(dir.resolve("w/runs")), "no work started");
    }

    @Test
    void aMissingSubmissionsFolderGivenExplicitlyIsAnError(@TempDir Path dir) {
        Result r = run("list", "--submissions", dir.resolve("nowhere").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: the submissions folder"), r.err());
    }
}
