package org.purifybench.web.importing;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.purifybench.web.importing.ImportException.Reason;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RunRecord;

/**
 * Turns the bytes of a results document into records, or refuses them with a reason. Checks, in
 * order: well-formed JSON, the platform's own JSON Schema (the very file core writes against,
 * copied into this jar at build time), then what a schema cannot say (rows and curves name a
 * declared cell, strings fit their columns).
 */
@Singleton
public final class ResultsDocumentParser {

    /** Column width of ids and names in the migrations; longer strings would fail half-way. */
    static final int MAX_ID = 200;
    private static final int MAX_TEXT = 500;
    private static final int MAX_DESCRIPTION = 2000;
    private static final int MAX_ERRORS_SHOWN = 5;

    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final JsonSchema schema;

    public ResultsDocumentParser() {
        // Deep nesting is the cheap way to exhaust a parser's stack; no results file nests deeper than 10.
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
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
        try {
            JsonNode tree = mapper.readTree(bytes);
            if (tree == null || !tree.isObject()) {
                throw new ImportException(Reason.MALFORMED, "the document is not a JSON object - upload a results.json file");
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
        JsonNode p = doc.get("provenance");
        boolean hasProv = p != null && !p.isNull();
        JsonNode config = doc.get("config");
        RunRecord run = new RunRecord(null, id(doc, "runId"), sha, status, id(doc, "profile"), limited(doc, "createdAt", 64),
                importedAt, id(doc, "configHash"),
                hasProv ? id(p, "codeVersion") : null,
                hasProv ? p.get("spiVersion").intValue() : null,
                hasProv ? id(p, "javaVersion") : null,
                hasProv ? text(p, "os") : null,
                hasProv ? text(p, "cpu") : null,
                hasProv ? p.get("cores").intValue() : null,
                hasProv ? text(p, "nd4jBackend") : null,
                hasProv ? text(p, "device") : null,
                hasProv ? p.get("wallTimeSeconds").doubleValue() : null,
                hasProv ? p.get("peakHeapBytes").longValue() : null,
                hasProv ? p.get("peakOffHeapBytes").longValue() : null,
                hasProv && !p.get("phaseSeconds").isNull() ? p.get("phaseSeconds").toString() : null,
                doc.get("approximations").toString(),
                config == null || config.isNull() ? null : config.toString());

        List<PluginRecord> plugins = new ArrayList<>();
        for (JsonNode n : doc.get("plugins")) {
            JsonNode sha256 = n.get("sha256");
            plugins.add(new PluginRecord(null, null, n.get("kind").asText(), id(n, "id"), id(n, "version"), text(n, "source"),
                    sha256.isNull() ? null : sha256.asText(), n.get("oracle").booleanValue(), n.get("reference").booleanValue(),
                    optionalText(n, "description"), optionalText(n, "paper")));
        }
        List<CellRecord> cells = new ArrayList<>();
        Set<String> cellIds = new HashSet<>();
        for (JsonNode n : doc.get("cells")) {
            String cellId = text(n, "cellId");
            if (!cellIds.add(cellId)) {
                throw new ImportException(Reason.SCHEMA, "cell '" + cellId + "' is declared twice - every cellId must be unique");
            }
            JsonNode key = n.get("backdooredModelKey");
            cells.add(new CellRecord(null, null, cellId, id(n, "dataset"), id(n, "model"), id(n, "attack"),
                    n.get("poisonRate").doubleValue(), n.get("seed").longValue(), key == null || key.isNull() ? null : id(n, "backdooredModelKey")));
        }
        List<RowRecord> rows = new ArrayList<>();
        for (JsonNode n : doc.get("rows")) {
            String cellId = declared(cellIds, text(n, "cellId"), "row");
            JsonNode v = n.get("value");
            rows.add(new RowRecord(null, null, cellId, id(n, "dataset"), id(n, "model"), id(n, "attack"),
                    n.get("poisonRate").doubleValue(), n.get("seed").longValue(), id(n, "defense"), id(n, "evaluator"),
                    id(n, "metric"), v == null || v.isNull() ? null : v.doubleValue()));
        }
        List<CurveRecord> curves = new ArrayList<>();
        for (JsonNode n : doc.get("curves")) {
            String cellId = declared(cellIds, text(n, "cellId"), "curve");
            if (n.get("x").size() != n.get("y").size()) {
                throw new ImportException(Reason.SCHEMA, "curve '" + n.get("name").asText() + "' of cell '" + cellId
                        + "' has " + n.get("x").size() + " x values but " + n.get("y").size() + " y values");
            }
            curves.add(new CurveRecord(null, null, cellId, id(n, "defense"), id(n, "evaluator"), id(n, "name"),
                    n.get("x").toString(), n.get("y").toString()));
        }
        return new ParsedRun(run, plugins, cells, rows, curves);
    }

    private static String declared(Set<String> cellIds, String cellId, String what) {
        if (!cellIds.contains(cellId)) {
            throw new ImportException(Reason.SCHEMA, "a " + what + " names cell '" + cellId
                    + "', which is not in the document's cells - the document is incomplete or edited");
        }
        return cellId;
    }

    private static String id(JsonNode n, String field) {
        return limited(n, field, MAX_ID);
    }

    private static String text(JsonNode n, String field) {
        return limited(n, field, MAX_TEXT);
    }

    /** Optional fields (description, paper): absent or null in older documents. */
    private static String optionalText(JsonNode n, String field) {
        return n.hasNonNull(field) ? limited(n, field, MAX_DESCRIPTION) : null;
    }

    private static String limited(JsonNode n, String field, int max) {
        String s = n.get(field).asText();
        if (s.length() > max) {
            throw new ImportException(Reason.SCHEMA, "field '" + field + "' is " + s.length()
                    + " characters long; the leaderboard stores at most " + max);
        }
        return s;
    }
}
