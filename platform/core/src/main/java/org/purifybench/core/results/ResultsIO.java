package org.purifybench.core.results;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.purifybench.core.UserException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes results.json. Centralised so that every producer writes the same shape
 * atomically, and every consumer gets the same one-line, fixable errors for a bad file instead of
 * a Jackson stack trace.
 */
public final class ResultsIO {
    private static final ObjectMapper MAPPER = newMapper();

    private ResultsIO() {
    }

    /** A mapper configured like the one used for results files (a fresh copy: callers may reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    private static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .enable(SerializationFeature.INDENT_OUTPUT)
                // Additive schema changes keep schemaVersion, so an older reader must skip fields it
                // does not know rather than reject a newer file.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    /** Writes {@code doc} as pretty JSON; the file is replaced atomically, never left half-written. */
    public static void write(ResultsDocument doc, Path file) {
        if (doc.getSchemaVersion() != ResultsDocument.SCHEMA_VERSION) {
            // an older version's document read back would be written with fields its version does not have
            throw new IllegalStateException("results are written in schemaVersion " + ResultsDocument.SCHEMA_VERSION
                    + " only, not " + doc.getSchemaVersion());
        }
        String json;
        try {
            json = MAPPER.writeValueAsString(doc) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            // Our own types always serialise; reaching this is a bug, not a user problem.
            throw new IllegalStateException("cannot serialise results document", e);
        }
        AtomicFiles.writeString(file, json);
    }

    /** Reads a results file, checking its schema tag and version before binding it. */
    public static ResultsDocument read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserException("results file not found: " + file,
                    "check the path; a run writes results.json into its run folder");
        } catch (MalformedInputException e) {
            throw new UserException("results file " + file + " is not UTF-8 text",
                    "pass the results.json written by a run");
        } catch (IOException e) {
            throw new UserException("cannot read results file " + file + ": " + e,
                    "check that it is a readable file, not a folder", e);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UserException("results file " + file + " is not valid JSON" + at(e) + ": " + e.getOriginalMessage(),
                    "the file is damaged (was the run interrupted or the file edited?); re-run or restore it", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new UserException("results file " + file + " does not contain a JSON object",
                    "pass the results.json written by a run");
        }
        JsonNode schema = tree.get("schema");
        if (schema == null || !ResultsDocument.SCHEMA_NAME.equals(schema.asText(null))) {
            throw new UserException("file " + file + " is not a PurifyBench results file: its \"schema\" is "
                    + (schema == null ? "missing" : schema.toString()) + ", expected \"" + ResultsDocument.SCHEMA_NAME + "\"",
                    "pass the results.json written by a run");
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
            throw new UserException("results file " + file + " has no integer \"schemaVersion\"",
                    "the file is damaged; re-run or restore it");
        }
        if (version.intValue() < ResultsDocument.OLDEST_READ_VERSION || version.intValue() > ResultsDocument.SCHEMA_VERSION) {
            throw new UserException("results file " + file + " has schemaVersion " + version.intValue()
                    + ", but this PurifyBench reads only schemaVersion " + ResultsDocument.OLDEST_READ_VERSION + " to "
                    + ResultsDocument.SCHEMA_VERSION,
                    version.intValue() > ResultsDocument.SCHEMA_VERSION
                            ? "use the PurifyBench version that wrote it, or a newer one"
                            : "re-run with this version, or read it with the version that wrote it");
        }
        if (version.intValue() < 2 && tree.has("failures")) {
            throw new UserException("results file " + file + " has schemaVersion " + version.intValue() + " but a \"failures\" list,"
                    + " which only schemaVersion 2 documents have", "the file is damaged or hand-edited; re-run or restore it");
        }
        try {
            return MAPPER.treeToValue(tree, ResultsDocument.class);
        } catch (JsonProcessingException e) {
            throw new UserException("results file " + file + " has an invalid field: " + e.getOriginalMessage()
                    + " (at " + pathOf(e) + ")", "the file is damaged or hand-edited; re-run or restore it", e);
        }
    }

    private static String at(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String pathOf(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder("$");
            for (var ref : m.getPath()) {
                sb.append(ref.getIndex() >= 0 ? "[" + ref.getIndex() + "]" : "." + ref.getFieldName());
            }
            return sb.toString();
        }
        return "$";
    }
}
