package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;

/** Bad input gives exit code 1 and one line naming the problem and the fix, no stack trace. */
class CliErrorsTest {
    /** The CLI in this JVM with its output captured (PluginJarsCliTest.run). */
    private static Result run(String... args) {
        return PluginJarsCliTest.run(args);
    }

    private static void assertOneLineError(Result r, String... mustContain) {
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "exactly one line, got:\n" + r.err());
        assertTrue(lines[0].startsWith("error: "), lines[0]);
        assertFalse(r.err().contains("\tat "), "no stack trace");
        for (String s : mustContain) {
            assertTrue(lines[0].contains(s), "'" + s + "' missing in: " + lines[0]);
        }
    }

    private static Path spec(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void unknownPluginIdListsTheKnownOnes(@TempDir Path dir) throws Exception {
        Path f = spec(dir, MatrixRunnerTest.TINY.replace("{id: badnet}", "{id: badnett}"));
        assertOneLineError(run("--work-dir", dir.resolve("w").toString(), "run", "--matrix", f.toString(), "--quiet"),
                "unknown attack 'badnett'", "badnet", "blended");
    }

    @Test
    void malformedYaml(@TempDir Path dir) throws Exception {
        Path f = spec(dir, "name: [unclosed\n");
        assertOneLineError(run("--work-dir", dir.resolve("w").toString(), "run", "--matrix", f.toString()), "line");
    }

    @Test
    void missingDatasetSaysHowToGetIt(@TempDir Path dir) throws Exception {
        Path f = spec(dir, MatrixRunnerTest.TINY.replace("{id: synthetic, path: null", "{id: fashion-mnist, path: " + dir.resolve("nowhere")));
        assertOneLineError(run("--work-dir", dir.resolve("w").toString(), "run", "--matrix", f.toString()), "apt-get install dataset-fashion-mnist");
    }

    @Test
    void unwritableWorkDir(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("file");
        Files.writeString(file, "not a folder");
        Path f = spec(dir, MatrixRunnerTest.TINY);
        assertOneLineError(run("--work-dir", file.resolve("w").toString(), "run", "--matrix", f.toString()), "--work-dir");
    }

    @Test
    void missingMatrixFileAndMissingResults(@TempDir Path dir) {
        assertOneLineError(run("run", "--matrix", dir.resolve("none.yaml").toString()), "does not exist");
        assertOneLineError(run("--work-dir", dir.toString(), "report", "no-such-run"));
    }

    @Test
    void listShowsEveryBuiltInPlugin() {
        Result r = run("list");
        assertEquals(0, r.code());
        for (String id : new String[] {"badnet", "blended", "none", "clean", "ft", "ep", "accuracy", "ra"}) {
            assertTrue(r.out().contains(" " + id + " "), id + " missing from:\n" + r.out());
        }
    }
}
