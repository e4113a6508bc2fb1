package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.run.MatrixRunner;

/** verify's comparison, golden file and command-line errors (the full chain is in ExampleDefenseChainTest). */
class VerifyTest {
    private static Golden golden(Map<String, Double> tolerances, Golden.Metric... metrics) {
        return new Golden(Golden.FORMAT, "fp", "1.0", Map.of(), "synthetic", "verify-abc", 0.02, tolerances, Map.of("threads", "2"),
                List.of(metrics));
    }

    private static Golden.Metric m(String defense, String metric, Double value) {
        return new Golden.Metric(defense, "accuracy", metric, value);
    }

    private static Verification.Row row(List<Verification.Row> rows, String defense, String metric) {
        return rows.stream().filter(r -> r.defense().equals(defense) && r.metric().equals(metric)).findFirst().orElseThrow();
    }

    @Test
    void metricsPassWithinTheirToleranceAndFailBeyondIt() {
        Golden g = golden(Map.of("p-asr", 0.1), m("none", "asr", 0.90), m("fp", "asr", 0.10), m("fp", "p-asr", 0.50), m("fp", "c-acc", 0.80),
                m("fp", "r-acc", null), m("fp", "gone", 0.3));
        List<Verification.Row> rows = Verification.compare(g, List.of(m("none", "asr", 0.90), m("fp", "asr", 0.125), m("fp", "p-asr", 0.58),
                m("fp", "c-acc", 0.78), m("fp", "r-acc", null), m("fp", "new", 0.5)), null, true);
        assertEquals("PASS", row(rows, "none", "asr").result());
        assertEquals(0.0, row(rows, "none", "asr").diff());
        assertEquals("FAIL", row(rows, "fp", "asr").result(), "0.025 > 0.02");
        assertEquals("PASS", row(rows, "fp", "p-asr").result(), "0.08 within its own tolerance 0.1");
        assertEquals("PASS", row(rows, "fp", "c-acc").result(), "exactly at the tolerance");
        assertEquals("PASS", row(rows, "fp", "r-acc").result(), "not a number on both sides");
        assertEquals("FAIL (missing now)", row(rows, "fp", "gone").result());
        assertEquals("NOTE (not in the golden results)", row(rows, "fp", "new").result());
        assertEquals(7, rows.size());

        List<Verification.Row> strict = Verification.compare(g, List.of(m("none", "asr", 0.90), m("fp", "p-asr", 0.58)), 0.0, true);
        assertEquals("PASS", row(strict, "none", "asr").result(), "--tolerance 0: identical passes");
        assertEquals("FAIL", row(strict, "fp", "p-asr").result(), "--tolerance overrides the file's");
        List<Verification.Row> nan = Verification.compare(g, List.of(m("none", "asr", null)), null, true);
        assertEquals("FAIL (not a number)", row(nan, "none", "asr").result());
    }

    @Test
    void goldenResultsOfAnotherMatrixFailEveryMetric() {
        Golden g = golden(null, m("none", "asr", 0.9));
        assertEquals("FAIL (other matrix)", Verification.compare(g, List.of(m("none", "asr", 0.9)), null, false).get(0).result());
    }

    @Test
    void goldenFilesRoundTripAndBadOnesAreRefused(@TempDir Path dir) throws Exception {
        Golden g = golden(Map.of("p-asr", 0.05), m("none", "asr", 0.9), m("fp", "r-acc", null));
        Path f = dir.resolve("sub/golden.json");
        g.write(f);
        assertEquals(g, Golden.read(f));
        assertEquals(0.05, Golden.read(f).toleranceOf("p-asr"));
        assertEquals(0.02, Golden.read(f).toleranceOf("asr"));

        Files.writeString(f, Files.readString(f).replace("\"format\"", "\"surprise\" : 1, \"format\""));
        assertTrue(assertThrows(UserException.class, () -> Golden.read(f)).getMessage().contains("is not a golden results file"));
        Files.writeString(f, "{\"format\": 2, \"defense\": \"x\", \"matrix\": \"m\", \"tolerance\": 0.02, \"metrics\": []}");
        assertTrue(assertThrows(UserException.class, () -> Golden.read(f)).getMessage().contains("format 1"));
        Files.writeString(f, "{\"format\": 1, \"defense\": \"x\", \"matrix\": \"m\", \"tolerance\": -1, \"metrics\": []}");
        assertTrue(assertThrows(UserException.class, () -> Golden.read(f)).getMessage().contains("tolerances must be numbers >= 0"));
        assertTrue(assertThrows(UserException.class, () -> Golden.read(dir.resolve("none.json"))).getMessage().contains("does not exist"));
    }

    @Test
    void theMatrixDependsOnTheDefenseItsParametersAndTheDataset() {
        String a = MatrixRunner.runId(Verification.matrix("none", "fp", Map.of(), "synthetic"));
        assertEquals(a, MatrixRunner.runId(Verification.matrix("none", "fp", Map.of(), "synthetic")));
        assertTrue(!a.equals(MatrixRunner.runId(Verification.matrix("none", "fp", Map.of("epochs", 2), "synthetic"))));
        assertTrue(!a.equals(MatrixRunner.runId(Verification.matrix("none", "fp", Map.of(), "fashion-mnist"))));
        assertThrows(UserException.class, () -> Verification.matrix("none", "fp", Map.of(), "cifar10"));
    }

    @Test
    void parametersFromTheCommandLineAreTyped() {
        assertEquals(3, VerifyCommand.typed("3"));
        assertEquals(0.5, VerifyCommand.typed("0.5"));
        assertEquals(1e-3, VerifyCommand.typed("1e-3"));
        assertEquals(true, VerifyCommand.typed("true"));
        assertEquals("cosine", VerifyCommand.typed("cosine"));
    }

    @Test
    void commandLineMistakesAreOneLineErrors(@TempDir Path dir) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, PurifyBench.execute("verify", "x.jar", "--golden", "a.json", "--write-golden", "b.json"));
            assertEquals(1, PurifyBench.execute("--work-dir", dir.toString(), "verify", dir.resolve("missing.jar").toString()));
        } finally {
            System.setErr(oldErr);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("error: give --golden FILE or --write-golden FILE, not both"), e);
        assertTrue(e.contains("error: plug-in jar " + dir.resolve("missing.jar") + " refused: there is no such file"), e);
    }
}
