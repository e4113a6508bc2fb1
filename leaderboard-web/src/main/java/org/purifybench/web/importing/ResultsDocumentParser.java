package org.purifybench.web.importing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.purifybench.web.importing.ImportException.Reason;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.FailureRecord;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RunRecord;

/**
 * Turns the bytes of a results document into records, or refuses them with a reason. Checks, in
 * order: well-formed JSON with every key once per object, text without control characters and
 * finite numbers ({@link PlainValues}), the platform's own JSON Schema (the very file core writes
 * against, copied into this jar at build time), then what a schema cannot say: rows and curves name
 * a declared cell and rows repeat its coordinates, no measurement, cell, curve or plug-in twice,
 * ids not blank, strings and integers fit their columns, failed units name a declared cell, are
 * listed once and have no rows. Messages name the JSON path to fix.
 */
@Singleton
public final class ResultsDocumentParser {

    /** Column width of ids and names in the migrations; longer strings would fail half-way. */
    static final int MAX_ID = 200;
    private static final int MAX_TEXT = 500;
    private static final int MAX_DESCRIPTION = 2000;
    private static final int MAX_ERRORS_SHOWN = 5;
    /** How Jackson's STRICT_DUPLICATE_DETECTION words its error (DupDetector); BadDocumentsTest fails if that changes. */
    private static final String DUPLICATE_KEY_MESSAGE = "Duplicate field '";

    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final JsonSchema schema;

    public ResultsDocumentParser() {
        // Deep nesting is the cheap way to exhaust a parser's stack; no results file nests deeper than 10.
        // A repeated key would be read as its last value, silently: refuse it where it is written.
        // NaN and Infinity are read (not refused as bad JSON) only to be refused with their path.
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        this.mapper = JsonMapper.builder(factory).build();
        this.canonical = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
        try (InputStream in = getClass().getResourceAsStream("/results-schema.json")) {
            if (in == null) {
                throw new IllegalStateException("results-schema.json is missing from the leaderboard jar (a build problem: "
                        + "it is copied from platform/core/src/main/resources)");
            }
            this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ParsedRun parse(byte[] bytes, String status, Instant importedAt) {
        JsonNode tree = readTree(bytes);
        PlainValues.check(tree, JsonPath.ROOT);
        PlainValues.fractions(tree);
        Set<ValidationMessage> errors = schema.validate(tree);
        if (!errors.isEmpty()) {
            String shown = errors.stream().map(ValidationMessage::getMessage).sorted().limit(MAX_ERRORS_SHOWN)
                    .collect(Collectors.joining("; "));
            throw new ImportException(Reason.SCHEMA, "the document does not follow the results schema (" + errors.size()
                    + " problem(s): " + shown + (errors.size() > MAX_ERRORS_SHOWN ? "; ..." : "")
                    + ") - import the results.json a PurifyBench run wrote, unedited (docs/results-schema.md)");
        }
        return toRecords(tree, status, importedAt, sha256(tree));
    }

    private JsonNode readTree(byte[] bytes) {
        try (JsonParser p = mapper.createParser(bytes)) {
            JsonNode tree;
            try {
                tree = mapper.readTree(p);
            } catch (StreamReadException e) {
                if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith(DUPLICATE_KEY_MESSAGE)) {
                    String key = p.getParsingContext().getCurrentName();
                    throw new ImportException(Reason.SCHEMA, JsonPath.of(p.getParsingContext()) + ": the key '"
                            + JsonPath.printable(key == null ? "?" : key) + "' appears twice in one object - readers would"
                            + " silently keep one of the values; write each key once (import the results.json a run wrote)");
                }
                throw e;
            }
            if (tree == null || !tree.isObject()) {
                throw new ImportException(Reason.MALFORMED, "the document is not a JSON object - upload a results.json file");
            }
            if (p.nextToken() != null) {
                throw new ImportException(Reason.MALFORMED, "the document has content after its JSON object (line "
                        + p.currentLocation().getLineNr() + ") - upload one results.json, unchanged");
            }
            return tree;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ImportException(Reason.MALFORMED, "the document is not valid JSON (" + e.getOriginalMessage()
                    + where + ") - upload the results.json a run wrote");
        } catch (IOException e) {
            throw new ImportException(Reason.MALFORMED, "the document could not be read: " + e.getMessage());
        }
    }

    /** Hash of the canonical form (keys sorted, no whitespace): re-formatting a file is not a new document. */
    private String sha256(JsonNode tree) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.writeValueAsString(canonical.readTree(tree.toString())).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ParsedRun toRecords(JsonNode doc, String status, Instant importedAt, String sha) {
        JsonPath root = JsonPath.ROOT;
        JsonNode p = doc.get("provenance");
        boolean hasProv = p != null && !p.isNull();
        JsonPath prov = root.field("provenance");
        JsonNode config = doc.get("config");
        RunRecord run = new RunRecord(null, id(doc, "runId", root), sha, status, id(doc, "profile", root),
                limited(doc, "createdAt", root, 64), importedAt, id(doc, "configHash", root),
                hasProv ? text(p, "codeVersion", prov, MAX_ID) : null,
                hasProv ? intValue(p, "spiVersion", prov) : null,
                hasProv ? text(p, "javaVersion", prov, MAX_ID) : null,
                hasProv ? text(p, "os", prov) : null,
                hasProv ? text(p, "cpu", prov) : null,
                hasProv ? intValue(p, "cores", prov) : null,
                hasProv ? text(p, "nd4jBackend", prov) : null,
                hasProv ? text(p, "device", prov) : null,
                hasProv && p.hasNonNull("engine") ? text(p, "engine", prov) : null,
                hasProv ? p.get("wallTimeSeconds").doubleValue() : null,
                hasProv ? longValue(p, "peakHeapBytes", prov) : null,
                hasProv ? longValue(p, "peakOffHeapBytes", prov) : null,
                hasProv && !p.get("phaseSeconds").isNull() ? p.get("phaseSeconds").toString() : null,
                doc.get("approximations").toString(),
                config == null || config.isNull() ? null : config.toString());

        List<PluginRecord> plugins = new ArrayList<>();
        Map<List<String>, Integer> pluginAt = new HashMap<>();
        JsonNode pluginNodes = doc.get("plugins");
        for (int i = 0; i < pluginNodes.size(); i++) {
            JsonNode n = pluginNodes.get(i);
            JsonPath at = root.field("plugins").index(i);
            JsonNode sha256 = n.get("sha256");
            PluginRecord plugin = new PluginRecord(null, null, n.get("kind").asText(), id(n, "id", at),
                    text(n, "version", at, MAX_ID), text(n, "source", at), sha256.isNull() ? null : sha256.asText(),
                    n.get("oracle").booleanValue(), n.get("reference").booleanValue(),
                    optionalText(n, "description", at), optionalText(n, "paper", at),
                    n.hasNonNull("role") ? n.get("role").asText() : null,
                    n.hasNonNull("metrics") ? n.get("metrics").toString() : null);
            once(pluginAt, List.of(plugin.kind(), plugin.pluginId()), i, "plugins", "the " + plugin.kind() + " '"
                    + plugin.pluginId() + "'", "a run loads each plug-in once");
            plugins.add(plugin);
        }

        List<CellRecord> cells = new ArrayList<>();
        Map<String, Integer> cellAt = new HashMap<>();
        Map<List<Object>, Integer> matrixPointAt = new HashMap<>();
        JsonNode cellNodes = doc.get("cells");
        for (int i = 0; i < cellNodes.size(); i++) {
            JsonNode n = cellNodes.get(i);
            JsonPath at = root.field("cells").index(i);
            String cellId = id(n, "cellId", at, MAX_TEXT);
            if (cellAt.putIfAbsent(cellId, i) != null) {
                throw new ImportException(Reason.SCHEMA, "cell '" + cellId + "' is declared twice ($.cells[" + cellAt.get(cellId)
                        + "] and " + at + ") - every cellId must be unique");
            }
            JsonNode key = n.get("backdooredModelKey");
            CellRecord cell = new CellRecord(null, null, cellId, id(n, "dataset", at), id(n, "model", at), id(n, "attack", at),
                    n.get("poisonRate").doubleValue(), longValue(n, "seed", at),
                    key == null || key.isNull() ? null : text(n, "backdooredModelKey", at, MAX_ID));
            once(matrixPointAt, List.of(cell.dataset(), cell.model(), cell.attack(), cell.poisonRate(), cell.seed()), i, "cells",
                    "the matrix point dataset '" + cell.dataset() + "', model '" + cell.model() + "', attack '" + cell.attack()
                            + "', poison rate " + cell.poisonRate() + ", seed " + cell.seed(),
                    "a run trains each backdoored model once, under one cellId");
            cells.add(cell);
        }

        List<RowRecord> rows = new ArrayList<>();
        Map<List<Object>, Integer> measurementAt = new HashMap<>();
        JsonNode rowNodes = doc.get("rows");
        for (int i = 0; i < rowNodes.size(); i++) {
            JsonNode n = rowNodes.get(i);
            JsonPath at = root.field("rows").index(i);
            CellRecord cell = cells.get(declared(cellAt, id(n, "cellId", at, MAX_TEXT), "row", at));
            JsonNode v = n.get("value");
            RowRecord row = new RowRecord(null, null, cell.cellId(), id(n, "dataset", at), id(n, "model", at), id(n, "attack", at),
                    n.get("poisonRate").doubleValue(), longValue(n, "seed", at), id(n, "defense", at), id(n, "evaluator", at),
                    id(n, "metric", at), v == null || v.isNull() ? null : v.doubleValue());
            sameAsCell(at, "dataset", row.dataset(), cell.dataset(), cell);
            sameAsCell(at, "model", row.model(), cell.model(), cell);
            sameAsCell(at, "attack", row.attack(), cell.attack(), cell);
            sameAsCell(at, "poisonRate", row.poisonRate(), cell.poisonRate(), cell);
            sameAsCell(at, "seed", row.seed(), cell.seed(), cell);
            Integer first = measurementAt.putIfAbsent(List.of(row.cellId(), row.defense(), row.evaluator(), row.metric()), i);
            if (first != null) {
                throw new ImportException(Reason.SCHEMA, "$.rows[" + first + "] and " + at + " are the same measurement (cell '"
                        + row.cellId() + "', defense '" + row.defense() + "', evaluator '" + row.evaluator() + "', metric '"
                        + row.metric() + "', seed " + row.seed() + ") with the values " + rowNodes.get(first).get("value") + " and "
                        + v + " - a run writes each measurement once, so one of them is not what it measured; import the"
                        + " results.json the run wrote, unedited");
            }
            rows.add(row);
        }

        List<CurveRecord> curves = new ArrayList<>();
        Map<List<String>, Integer> curveAt = new HashMap<>();
        JsonNode curveNodes = doc.get("curves");
        for (int i = 0; i < curveNodes.size(); i++) {
            JsonNode n = curveNodes.get(i);
            JsonPath at = root.field("curves").index(i);
            String cellId = cells.get(declared(cellAt, id(n, "cellId", at, MAX_TEXT), "curve", at)).cellId();
            if (n.get("x").size() != n.get("y").size()) {
                throw new ImportException(Reason.SCHEMA, "curve '" + n.get("name").asText() + "' of cell '" + cellId
                        + "' (" + at + ") has " + n.get("x").size() + " x values but " + n.get("y").size() + " y values");
            }
            CurveRecord curve = new CurveRecord(null, null, cellId, id(n, "defense", at), id(n, "evaluator", at), id(n, "name", at),
                    n.get("x").toString(), n.get("y").toString());
            once(curveAt, List.of(cellId, curve.defense(), curve.evaluator(), curve.name()), i, "curves", "the curve '"
                    + curve.name() + "' of evaluator '" + curve.evaluator() + "' for defense '" + curve.defense() + "' on cell '"
                    + cellId + "'", "a run writes each curve once");
            curves.add(curve);
        }
        return new ParsedRun(run, plugins, cells, rows, curves, failures(doc, cellAt, cells, measurementAt.keySet()));
    }

    /** The failed units (schemaVersion 2; a version 1 document has none recorded). */
    private static List<FailureRecord> failures(JsonNode doc, Map<String, Integer> cellAt, List<CellRecord> cells,
                                                Set<List<Object>> measured) {
        Set<List<String>> measuredUnits = measured.stream().map(m -> List.of((String) m.get(0), (String) m.get(1), (String) m.get(2)))
                .collect(Collectors.toSet());
        List<FailureRecord> failures = new ArrayList<>();
        Map<List<String>, Integer> failureAt = new HashMap<>();
        JsonNode nodes = doc.path("failures");
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            JsonPath at = JsonPath.ROOT.field("failures").index(i);
            String cellId = cells.get(declared(cellAt, id(n, "cellId", at, MAX_TEXT), "failure", at)).cellId();
            String evaluator = n.get("evaluator").isNull() ? null : id(n, "evaluator", at);
            FailureRecord f = new FailureRecord(null, null, cellId, id(n, "defense", at), evaluator, n.get("status").asText(),
                    limited(n, "reason", at, MAX_DESCRIPTION), n.get("logTail").toString());
            // "" is no id (ids are never blank), so it stands for "the defense itself"
            List<String> unit = List.of(cellId, f.defense(), evaluator == null ? "" : evaluator);
            once(failureAt, unit, i, "failures", "the failure of " + (evaluator == null ? "defense '" + f.defense() + "'"
                    : "evaluator '" + evaluator + "' for defense '" + f.defense() + "'") + " on cell '" + cellId + "'",
                    "a run records each failed unit once");
            if (measuredUnits.contains(unit)) {
                throw new ImportException(Reason.SCHEMA, at + " says evaluator '" + evaluator + "' failed for defense '" + f.defense()
                        + "' on cell '" + cellId + "', but the document has rows of that unit - a run records a unit as finished or"
                        + " failed, never both; import the results.json the run wrote, unedited");
            }
            failures.add(f);
        }
        return failures;
    }

    /** Refuses the second element of a list that has the same key as an earlier one. */
    private static <K> void once(Map<K, Integer> seen, K key, int index, String list, String what, String why) {
        Integer first = seen.putIfAbsent(key, index);
        if (first != null) {
            throw new ImportException(Reason.SCHEMA, "$." + list + "[" + first + "] and $." + list + "[" + index + "] are both "
                    + what + " - " + why + "; import the results.json the run wrote, unedited");
        }
    }

    /**
     * A row repeats its cell's coordinates so it can be read alone; the board reads the row's, so one
     * that disagrees with its cell would land on another track, attack or seed than the cell it names.
     */
    private static void sameAsCell(JsonPath row, String field, Object rowValue, Object cellValue, CellRecord cell) {
        if (!rowValue.equals(cellValue)) {
            throw new ImportException(Reason.SCHEMA, row.field(field) + " is " + shown(rowValue) + " but the row's cell '"
                    + cell.cellId() + "' has " + field + " " + shown(cellValue) + " - a row's dataset, model, attack, poisonRate"
                    + " and seed must be its cell's; import the results.json the run wrote, unedited");
        }
    }

    private static String shown(Object value) {
        return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    }

    private static int declared(Map<String, Integer> cellAt, String cellId, String what, JsonPath at) {
        Integer index = cellAt.get(cellId);
        if (index == null) {
            throw new ImportException(Reason.SCHEMA, "a " + what + " (" + at + ") names cell '" + cellId
                    + "', which is not in the document's cells - the document is incomplete or edited");
        }
        return index;
    }

    /** An id names something (a run, a cell, a defense, a metric): it must say something, and say it without padding. */
    private static String id(JsonNode n, String field, JsonPath at) {
        return id(n, field, at, MAX_ID);
    }

    private static String id(JsonNode n, String field, JsonPath at, int max) {
        String s = limited(n, field, at, max);
        if (s.isBlank()) {
            throw new ImportException(Reason.SCHEMA, at.field(field) + " is blank - an id must name something; give the "
                    + field + " (docs/results-schema.md)");
        }
        if (!s.equals(s.strip())) {
            throw new ImportException(Reason.SCHEMA, at.field(field) + " ('" + s + "') has leading or trailing whitespace, which"
                    + " would make it a different id from '" + s.strip() + "' - remove the whitespace");
        }
        return s;
    }

    /** Optional fields (description, paper): absent or null in older documents. */
    private static String optionalText(JsonNode n, String field, JsonPath at) {
        return n.hasNonNull(field) ? limited(n, field, at, MAX_DESCRIPTION) : null;
    }

    private static String text(JsonNode n, String field, JsonPath at) {
        return limited(n, field, at, MAX_TEXT);
    }

    private static String text(JsonNode n, String field, JsonPath at, int max) {
        return limited(n, field, at, max);
    }

    private static String limited(JsonNode n, String field, JsonPath at, int max) {
        String s = n.get(field).asText();
        if (s.length() > max) {
            throw new ImportException(Reason.SCHEMA, at.field(field) + " is " + s.length()
                    + " characters long; the leaderboard stores at most " + max);
        }
        return s;
    }

    /** The schema says "integer" but not how large; a value past the column's type would be stored wrapped around. */
    private static long longValue(JsonNode n, String field, JsonPath at) {
        JsonNode v = n.get(field);
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw new ImportException(Reason.SCHEMA, at.field(field) + " is " + v + ", which is not a 64-bit integer - the"
                    + " leaderboard stores it as one; import the results.json the run wrote, unedited");
        }
        return v.longValue();
    }

    private static int intValue(JsonNode n, String field, JsonPath at) {
        JsonNode v = n.get(field);
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new ImportException(Reason.SCHEMA, at.field(field) + " is " + v + ", which is not a 32-bit integer - the"
                    + " leaderboard stores it as one; import the results.json the run wrote, unedited");
        }
        return v.intValue();
    }
}
