package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives exit code 1 and one line naming the problem and the fix, no stack trace. */
class CliErrorsTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
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
