package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.importing.ImportOutcome;
import org.purifybench.web.importing.ResultsImporter;

@MicronautTest(transactional = false)
class ImportTest {

    @Inject ResultsImporter importer;
    @Inject DbState db;

    @BeforeEach
    void empty() {
        db.clear();
    }

    private static ResultsDocuments small(String runId) {
        return ResultsDocuments.run(runId).result("ft", "badnet", 0, 0.8, 0.9, 0.95).result("pam", "badnet", 0, 0.8, 0.05, 0.07);
    }

    @Test
    void importsEveryRowAndCurveOnce() {
        ResultsDocuments doc = small("r1");
        ImportOutcome first = importer.importDocument(doc.bytes(), true);
        assertTrue(first.created());
        assertEquals(8, first.rows());
        Map<String, Long> after = db.counts();
        assertEquals(1, doc.tree().get("schemaVersion").intValue(), "a document written before failures were recorded");
        assertEquals(Map.of("runs", 1L, "run_plugins", 1L + 2 + 4, "run_cells", 1L, "result_rows", 8L, "result_curves", 2L,
                "run_failures", 0L), after);

        ImportOutcome again = importer.importDocument(doc.bytes(), true);
        assertFalse(again.created());
        assertEquals(after, db.counts());
    }

    @Test
    void reformattedSameDocumentIsNotANewOne() throws Exception {
        ResultsDocuments doc = small("r1");
        importer.importDocument(doc.bytes(), false);
        Map<String, Long> before = db.counts();
        byte[] pretty = ResultsDocuments.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc.tree());
        assertFalse(importer.importDocument(pretty, false).created());
        assertEquals(before, db.counts());
    }

    @Test
    void sameRunIdOtherContentIsAConflictAndChangesNothing() {
        importer.importDocument(small("r1").bytes(), true);
        Map<String, Long> before = db.counts();
        byte[] other = ResultsDocuments.run("r1").result("ft", "badnet", 0, 0.8, 0.9, 0.5).bytes();
        ImportException e = assertThrows(ImportException.class, () -> importer.importDocument(other, true));
        assertEquals(ImportException.Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("delete it first"), e.getMessage());
        assertEquals(before, db.counts());
    }

    @Test
    void badDocumentsAreRefusedWithTheirReasonAndChangeNothing() {
        importer.importDocument(small("r0").bytes(), true);
        Map<String, Long> before = db.counts();

        assertRefused(ImportException.Reason.MALFORMED, "not valid JSON", "{\"schema\": ".getBytes(StandardCharsets.UTF_8));
        assertRefused(ImportException.Reason.MALFORMED, "not a JSON object", "[1, 2]".getBytes(StandardCharsets.UTF_8));
        assertRefused(ImportException.Reason.MALFORMED, "content after its JSON object",
                (small("r1").json() + "\n{\"runId\": \"r9\"}").getBytes(StandardCharsets.UTF_8));

        ObjectNode outOfRange = small("r2").tree();
        ((ObjectNode) outOfRange.get("rows").get(0)).put("value", 1.5);
        assertRefused(ImportException.Reason.SCHEMA, "reports fractions in [0, 1]", bytes(outOfRange));

        ObjectNode missing = small("r3").tree();
        missing.remove("provenance");
        assertRefused(ImportException.Reason.SCHEMA, "results schema", bytes(missing));

        ObjectNode wrongVersion = small("r4").tree();
        wrongVersion.put("schemaVersion", 3);
        assertRefused(ImportException.Reason.SCHEMA, "results schema", bytes(wrongVersion));

        ObjectNode unknownCell = small("r5").tree();
        ((ObjectNode) unknownCell.get("rows").get(0)).put("cellId", "nowhere");
        assertRefused(ImportException.Reason.SCHEMA, "not in the document's cells", bytes(unknownCell));

        ObjectNode longId = small("r6").tree();
        ((ObjectNode) longId.get("rows").get(0)).put("defense", "d".repeat(201));
        assertRefused(ImportException.Reason.SCHEMA, "at most 200", bytes(longId));

        ObjectNode deep = small("r7").tree();
        ObjectNode n = deep.putObject("config");
        for (int i = 0; i < 100; i++) {
            n = n.putObject("x");
        }
        assertRefused(ImportException.Reason.MALFORMED, "not valid JSON", bytes(deep));

        byte[] huge = new byte[(int) importer.maxBytes() + 1];
        assertRefused(ImportException.Reason.TOO_LARGE, "limit", huge);

        assertEquals(before, db.counts());
    }

    @Test
    void aVersion2DocumentImportsItsFailedUnits() {
        ResultsDocuments doc = small("r1").failure("pam", null, "badnet", 1, "timeout", "defense 'pam' timed out in the sandbox",
                "sandbox: running defense 'pam'", "  [sandbox] epoch 3").failure("ft", "qra", "badnet", 0, "error",
                "evaluator 'qra' threw java.lang.IllegalStateException: boom");
        assertEquals(2, doc.tree().get("schemaVersion").intValue());
        assertTrue(importer.importDocument(doc.bytes(), true).created());
        assertEquals(2L, db.counts().get("run_failures"));
        assertEquals(8L, db.counts().get("result_rows"), "the finished units' rows are imported as always");
        assertFalse(importer.importDocument(doc.bytes(), true).created(), "idempotent");
        assertEquals(2L, db.counts().get("run_failures"));
    }

    @Test
    void failedUnitsThatContradictTheDocumentAreRefused() {
        Map<String, Long> before = db.counts();
        ObjectNode noList = small("f1").failure("pam", null, "badnet", 0, "failed", "r").tree();
        noList.remove("failures");
        assertRefused(ImportException.Reason.SCHEMA, "results schema", bytes(noList));
        ObjectNode inVersion1 = small("f2").failure("pam", null, "badnet", 0, "failed", "r").tree();
        inVersion1.put("schemaVersion", 1);
        assertRefused(ImportException.Reason.SCHEMA, "results schema", bytes(inVersion1));
        assertRefused(ImportException.Reason.SCHEMA, "results schema",
                small("f3").failure("pam", null, "badnet", 0, "exploded", "r").bytes());
        ObjectNode unknownCell = small("f4").failure("pam", null, "badnet", 0, "failed", "r").tree();
        ((ObjectNode) unknownCell.get("failures").get(0)).put("cellId", "nowhere");
        assertRefused(ImportException.Reason.SCHEMA, "not in the document's cells", bytes(unknownCell));
        assertRefused(ImportException.Reason.SCHEMA, "a run records each failed unit once",
                small("f5").failure("pam", null, "badnet", 0, "failed", "r").failure("pam", null, "badnet", 0, "timeout", "r").bytes());
        assertRefused(ImportException.Reason.SCHEMA, "finished or failed, never both",
                small("f6").failure("ft", "accuracy", "badnet", 0, "error", "r").bytes());
        assertRefused(ImportException.Reason.SCHEMA, "control character",
                small("f7").failure("pam", null, "badnet", 0, "failed", "r", "colour \u001b[31m").bytes());
        assertEquals(before, db.counts());
    }

    private void assertRefused(ImportException.Reason reason, String messagePart, byte[] document) {
        ImportException e = assertThrows(ImportException.class, () -> importer.importDocument(document, true));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    private static byte[] bytes(ObjectNode tree) {
        return tree.toString().getBytes(StandardCharsets.UTF_8);
    }
}
