package org.purifybench.core.results;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsIOTest {
    @TempDir
    Path dir;

    @Test
    void documentRoundTripsEqual() {
        ResultsDocument doc = TestDocs.sample();
        Path file = dir.resolve("results.json");
        ResultsIO.write(doc, file);
        ResultsDocument back = ResultsIO.read(file);
        assertEquals(doc, back);
        assertEquals(doc.getCurves().get(0), back.getCurves().get(0));
        assertEquals(List.of("train", "purify", "evaluate"), List.copyOf(back.getProvenance().phaseSeconds().keySet()));
    }

    @Test
    void resultsGetTheSamePermissionsAsTheJournalBesideThem() throws IOException {
        Path journal = Files.writeString(dir.resolve("journal.jsonl"), "{}\n"); // as the journal is opened: umask applies
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        assertEquals(Files.getPosixFilePermissions(journal), Files.getPosixFilePermissions(file));
        ResultsIO.write(TestDocs.sample(), file);
        assertEquals(Files.getPosixFilePermissions(journal), Files.getPosixFilePermissions(file), "after a rewrite too");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("journal.jsonl", "results.json"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left");
        }
    }

    @Test
    void equalityIsNotTrivial() {
        ResultsDocument other = TestDocs.sample();
        other.getRows().set(0, TestDocs.row("badnets", 1, "none", "accuracy", "c-acc", 0.5));
        assertNotEquals(TestDocs.sample(), other);
    }

    @Test
    void writtenJsonIsPrettyAndTagged() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        String json = Files.readString(file);
        assertTrue(json.startsWith("{\n  \"schema\" : \"purifybench-results\",\n  \"schemaVersion\" : 2,"), json.substring(0, 80));
    }

    @Test
    void undefinedMetricIsWrittenAsNullAndReadBackAsNaN() throws IOException {
        ResultsDocument doc = TestDocs.sample();
        doc.setRows(List.of(TestDocs.row("badnets", 1, "none", "accuracy", "asr", Double.NaN)));
        Path file = dir.resolve("results.json");
        ResultsIO.write(doc, file);
        assertTrue(Files.readString(file).contains("\"value\" : null"));
        assertTrue(Double.isNaN(ResultsIO.read(file).getRows().get(0).value()));
    }

    @Test
    void writeLeavesNoTempFileAndReplacesExisting() throws IOException {
        Path file = dir.resolve("out/results.json");
        ResultsIO.write(TestDocs.sample(), file);
        ResultsDocument changed = TestDocs.sample();
        changed.setRunId("second");
        ResultsIO.write(changed, file);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
        assertEquals("second", ResultsIO.read(file).getRunId());
    }

    @Test
    void missingFileIsAUserError() {
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        assertTrue(e.fix() != null && !e.fix().isBlank());
    }

    @Test
    void malformedJsonNamesLineAndColumn() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\n  \"schema\": \"purifybench-results\",\n  \"schemaVersion\": 1,,\n}");
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("not valid JSON at line 3, column"), e.getMessage());
    }

    @Test
    void truncatedFileIsAUserError() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        String json = Files.readString(file);
        Files.writeString(file, json.substring(0, json.length() / 2));
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void wrongSchemaNameIsRejected() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"schema\": \"something-else\", \"schemaVersion\": 1}");
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("not a PurifyBench results file"), e.getMessage());
        assertTrue(e.getMessage().contains("\"something-else\""), e.getMessage());
    }

    @Test
    void unsupportedSchemaVersionIsRejected() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        Files.writeString(file, Files.readString(file).replace("\"schemaVersion\" : 2,", "\"schemaVersion\" : 99,"));
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("schemaVersion 99"), e.getMessage());
        assertTrue(e.getMessage().contains("reads only schemaVersion 1 to 2"), e.getMessage());
        assertTrue(e.fix().contains("newer"), e.fix());
    }

    @Test
    void failuresRoundTripWithANullEvaluatorAndTheirStatusLabels() throws IOException {
        ResultsDocument doc = TestDocs.withFailures();
        Path file = dir.resolve("results.json");
        ResultsIO.write(doc, file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"status\" : \"invalid-output\""), json);
        assertTrue(json.contains("\"evaluator\" : null"), json);
        ResultsDocument back = ResultsIO.read(file);
        assertEquals(doc, back);
        assertEquals(null, back.getFailures().get(0).evaluator());
        assertEquals(FailedUnit.Status.ERROR, back.getFailures().get(1).status());
        assertTrue(back.failuresRecorded());
        ResultsDocument other = TestDocs.withFailures();
        other.setFailures(other.getFailures().subList(0, 1));
        assertNotEquals(doc, other, "failures are part of the document's equality");
    }

    @Test
    void aVersion1DocumentIsReadWithoutFailureRecords() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        // a file as PurifyBench wrote it before failures were recorded: version 1, no failures list
        String v1 = Files.readString(file).replace("\"schemaVersion\" : 2,", "\"schemaVersion\" : 1,")
                .replaceAll(",\\s*\"failures\" : \\[ \\]", "");
        assertFalse(v1.contains("failures"), v1.substring(v1.length() - 200));
        Files.writeString(file, v1);
        ResultsDocument back = ResultsIO.read(file);
        assertEquals(1, back.getSchemaVersion());
        assertFalse(back.failuresRecorded());
        assertEquals(List.of(), back.getFailures());
        assertEquals(TestDocs.sample().getRows(), back.getRows());
    }

    @Test
    void aVersion1DocumentWithFailuresIsDamaged() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.withFailures(), file);
        Files.writeString(file, Files.readString(file).replace("\"schemaVersion\" : 2,", "\"schemaVersion\" : 1,"));
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("only schemaVersion 2 documents have"), e.getMessage());
    }

    @Test
    void onlyTheCurrentVersionIsWritten() {
        ResultsDocument old = TestDocs.sample();
        old.setSchemaVersion(1);
        assertThrows(IllegalStateException.class, () -> ResultsIO.write(old, dir.resolve("results.json")));
    }

    @Test
    void failureTextIsOneLineWithoutControlCharactersAndBounded() {
        List<String> log = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            log.add("line " + i + "\tend\u001b[31m" + "x".repeat(i == 99 ? 1000 : 0));
        }
        FailedUnit f = new FailedUnit("c", "d", null, FailedUnit.Status.FAILED, "first\nsecond\u0085 third " + "y".repeat(5000), log);
        assertTrue(f.reason().startsWith("first second third "), f.reason());
        assertEquals(FailedUnit.MAX_REASON, f.reason().length());
        assertEquals(FailedUnit.MAX_LOG_LINES, f.logTail().size());
        assertTrue(f.logTail().get(0).startsWith("line 60 end?[31m"), f.logTail().get(0));
        assertEquals(FailedUnit.MAX_LOG_LINE, f.logTail().get(FailedUnit.MAX_LOG_LINES - 1).length());
        assertEquals("(no reason given)", new FailedUnit("c", "d", "e", FailedUnit.Status.ERROR, " ", null).reason());
    }

    @Test
    void wrongFieldTypeNamesThePath() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"schema\": \"purifybench-results\", \"schemaVersion\": 1, \"rows\": [{\"seed\": \"x\"}]}");
        UserException e = assertThrows(UserException.class, () -> ResultsIO.read(file));
        assertTrue(e.getMessage().contains("$.rows[0].seed"), e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"schema\": \"purifybench-results\", \"schemaVersion\": 1, \"runId\": \"r\", \"addedLater\": 3}");
        assertEquals("r", ResultsIO.read(file).getRunId());
    }
}
