package org.purifybench.core.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsSchemaTest {
    private static JsonSchema schema;
    private static final ObjectMapper MAPPER = ResultsIO.mapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws Exception {
        try (InputStream in = ResultsSchemaTest.class.getResourceAsStream("/results-schema.json")) {
            assertNotNull(in, "results-schema.json must be on the classpath");
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
            schema = factory.getSchema(in);
        }
    }

    private static JsonNode produced(ResultsDocument doc, Path dir) throws Exception {
        Path file = dir.resolve("results.json");
        ResultsIO.write(doc, file);
        return MAPPER.readTree(file.toFile());
    }

    @Test
    void producedDocumentValidates() throws Exception {
        Set<ValidationMessage> errors = schema.validate(produced(TestDocs.sample(), dir));
        assertEquals(Set.of(), errors);
    }

    @Test
    void emptyDocumentWithAllFieldsSetValidates() throws Exception {
        ResultsDocument doc = TestDocs.sample();
        doc.setConfig(null);
        doc.setProvenance(null);
        doc.setApproximations(List.of());
        doc.setPlugins(List.of());
        doc.setCells(List.of());
        doc.setRows(List.of(TestDocs.row("badnets", 1, "none", "accuracy", "asr", Double.NaN)));
        doc.setCurves(List.of());
        assertEquals(Set.of(), schema.validate(produced(doc, dir)));
    }

    @Test
    void missingRequiredFieldFails() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        json.remove("runId");
        Set<ValidationMessage> errors = schema.validate(json);
        assertFalse(errors.isEmpty());
        assertTrue(errors.toString().contains("runId"), errors.toString());
    }

    @Test
    void missingRequiredRowFieldFails() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        ((ObjectNode) json.get("rows").get(0)).remove("metric");
        assertFalse(schema.validate(json).isEmpty());
    }

    @Test
    void stringMetricValueFails() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        ((ObjectNode) json.get("rows").get(0)).put("value", "0.9");
        Set<ValidationMessage> errors = schema.validate(json);
        assertFalse(errors.isEmpty());
        assertTrue(errors.toString().contains("value"), errors.toString());
    }

    @Test
    void accuracyAboveOneFails() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        ((ObjectNode) json.get("rows").get(0)).put("value", 90.0);
        assertFalse(schema.validate(json).isEmpty());
    }

    @Test
    void wrongSchemaTagAndVersionFail() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        json.put("schemaVersion", 99);
        assertFalse(schema.validate(json).isEmpty());
        json.put("schemaVersion", 2);
        json.put("schema", "other");
        assertFalse(schema.validate(json).isEmpty());
    }

    @Test
    void version2DocumentWithFailuresValidatesAndNeedsItsFailuresList() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.withFailures(), dir);
        assertEquals(2, json.get("schemaVersion").intValue());
        assertEquals(2, json.get("failures").size());
        assertEquals(Set.of(), schema.validate(json));
        json.remove("failures");
        Set<ValidationMessage> errors = schema.validate(json);
        assertTrue(errors.toString().contains("failures"), "version 2 must record its failures (an empty list when none): " + errors);
    }

    @Test
    void version1DocumentWithoutFailuresStillValidatesAndOneWithFailuresDoesNot() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        json.put("schemaVersion", 1);
        json.remove("failures");
        assertEquals(Set.of(), schema.validate(json), "documents written before version 2 stay valid");
        json.set("failures", MAPPER.createArrayNode());
        assertFalse(schema.validate(json).isEmpty(), "version 1 predates failure records");
    }

    @Test
    void aFailureNeedsAKnownStatusAReasonAndBoundedLogLines() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.withFailures(), dir);
        ObjectNode failure = (ObjectNode) json.get("failures").get(0);
        failure.put("status", "exploded");
        assertFalse(schema.validate(json).isEmpty());
        failure.put("status", "timeout");
        assertEquals(Set.of(), schema.validate(json));
        failure.put("reason", "");
        assertFalse(schema.validate(json).isEmpty());
        failure.put("reason", "r");
        ArrayNode lines = failure.putArray("logTail");
        for (int i = 0; i < 41; i++) {
            lines.add("line");
        }
        assertFalse(schema.validate(json).isEmpty(), "at most 40 lines");
        failure.putArray("logTail");
        failure.remove("evaluator");
        assertFalse(schema.validate(json).isEmpty(), "evaluator is required (null when the defense failed)");
    }

    @Test
    void unknownPluginKindFails() throws Exception {
        ObjectNode json = (ObjectNode) produced(TestDocs.sample(), dir);
        ((ObjectNode) ((ArrayNode) json.get("plugins")).get(0)).put("kind", "model");
        assertFalse(schema.validate(json).isEmpty());
    }
}
