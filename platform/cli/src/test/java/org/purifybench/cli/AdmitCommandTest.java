package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.UserException;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;

/** {@code admit JAR --json} (the website's verdict on an upload) and run's --defenses / --description. */
class AdmitCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode verdict(Result r) throws Exception {
        return JSON.readTree(r.out()); // the whole of stdout is one JSON document
    }

    @Test
    void anAdmittedJarIsDescribedPluginByPlugin(@TempDir Path dir) throws Exception {
        Path jar = PluginJarsCliTest.goodJar(dir);
        Result r = PluginJarsCliTest.run("admit", jar.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode v = verdict(r);
        assertTrue(v.get("accepted").asBoolean(), r.out());
        assertEquals(Hashing.ofFile(jar), v.get("sha256").asText());
        assertEquals(Files.size(jar), v.get("bytes").asLong());
        assertEquals(1, v.get("spiVersion").asInt());
        assertEquals(1, v.get("plugins").size(), "only the jar's plug-ins, not the built-in ones: " + r.out());
        JsonNode p = v.get("plugins").get(0);
        assertEquals("defense", p.get("kind").asText());
        assertEquals("shrug", p.get("id").asText());
        assertEquals("0.9", p.get("version").asText());
        assertEquals("org.example.shrug.Shrug", p.get("className").asText());
        assertEquals(0, p.get("needs").size());
        assertEquals("returns the model unchanged", p.get("description").asText(), "the descriptor file's description");
        assertEquals(Hashing.ofFile(jar), p.get("sha256").asText());

        Result human = PluginJarsCliTest.run("admit", jar.toString());
        assertEquals(0, human.code());
        assertTrue(human.out().startsWith("ACCEPTED " + jar), human.out());
    }

    private static Path zip(Path file, String... namesAndContents) throws Exception {
        try (OutputStream os = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(os)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                PluginJarsCliTest.put(j, namesAndContents[i], namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
            }
        }
        return file;
    }

    private static void assertRefused(Path jar, String stage, String reasonPart) throws Exception {
        Result r = PluginJarsCliTest.run("admit", jar.toString(), "--json");
        assertEquals(1, r.code(), r.out() + r.err());
        JsonNode v = verdict(r);
        assertFalse(v.get("accepted").asBoolean());
        assertEquals(stage, v.get("stage").asText(), r.out());
        assertTrue(v.get("reason").asText().contains(reasonPart), r.out());
        assertFalse(v.get("fix").asText().isBlank(), "a refusal names the fix: " + r.out());
        assertFalse(v.has("plugins"));
    }

    @Test
    void hostileOrBrokenJarsAreRefusedWithReasonAndFix(@TempDir Path dir) throws Exception {
        Path notZip = dir.resolve("not.jar");
        Files.writeString(notZip, "not a zip");
        assertRefused(notZip, "admission", "not a valid jar/zip file");
        assertRefused(dir.resolve("missing.jar"), "admission", "no such file");
        assertRefused(zip(dir.resolve("traversal.jar"), "../../evil.class", "x"), "admission", "../../evil.class");
        assertRefused(zip(dir.resolve("nested.jar"), "lib/inner.jar", "x"), "admission", "lib/inner.jar");
        assertRefused(zip(dir.resolve("native.jar"), "libevil.so", "x"), "admission", "libevil.so");
        assertRefused(zip(dir.resolve("spi99.jar"), "META-INF/purifybench/plugin.properties",
                "spi-version = 99\ndefense.x.class = a.X\ndefense.x.version = 1\n"), "admission", "99");
        assertRefused(zip(dir.resolve("nodescriptor.jar"), "a/X.class", "x"), "admission", "descriptor");
    }

    @Test
    void aJarThatTakesABuiltInIdIsRefusedWhenRegistered(@TempDir Path dir) throws Exception {
        assertRefused(PluginJarsCliTest.defenseJar(dir, "ft"), "registration", "ft");
    }

    @Test
    void defensesOptionReplacesTheMatrixDefensesAndSaysSo() {
        MatrixSpec quick = MatrixSpec.profile("quick");
        MatrixSpec s = RunCommand.withDefenses(quick, List.of("none", "ft", "shrug"));
        assertEquals(List.of("none", "ft", "shrug"), s.defenses().stream().map(MatrixSpec.PluginRef::id).toList());
        assertEquals(quick.defenses().get(2), s.defenses().get(1), "a defense the profile names keeps its parameters");
        assertTrue(s.approximationsOrEmpty().get(s.approximationsOrEmpty().size() - 1).startsWith("defenses [none, ft{"),
                s.approximationsOrEmpty().toString());
        assertEquals(List.of("shrug"), RunCommand.withDefenses(quick, List.of("shrug")).defenses().stream().map(MatrixSpec.PluginRef::id).toList(),
                "the baselines need not be listed: the run adds them");
        assertThrows(UserException.class, () -> RunCommand.withDefenses(quick, List.of()));
        assertThrows(UserException.class, () -> RunCommand.withDefenses(quick, List.of("none", "none")));
        assertEquals(MatrixRunner.runId(quick), MatrixRunner.runId(RunCommand.withDefenses(quick, List.of("none", "clean", "ft", "ep"))),
                "the profile's own defenses: the same matrix");
    }

    @Test
    void runRefusesADefenseNamedTwiceBeforeAnyWork(@TempDir Path dir) throws Exception {
        Result r = PluginJarsCliTest.run("--work-dir", dir.resolve("w").toString(), "run", "--profile", "quick",
                "--defenses", "ft,ft", "--description", "x", "--submissions", Files.createDirectories(dir.resolve("empty")).toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: --defenses names a defense twice"), r.err());
        assertFalse(Files.exists(dir.resolve("w/runs")));
    }
}
