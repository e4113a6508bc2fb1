package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.importing.ResultsImporter;

/**
 * Every document under src/test/resources/bad-documents/ is valid-document.json with one flaw that
 * would corrupt the board (see the README there). Each is refused with 422 and a message that names
 * where the flaw is, through the importer (what the CLI and submissions call) and the admin API,
 * and the database stays as it was.
 */
@MicronautTest(transactional = false)
class BadDocumentsTest {

    /** File -> words its refusal must contain (a JSON path first: the message must say where). */
    static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    static {
        expect("duplicate-key-in-row.json", "$.rows[3].metric", "'metric' appears twice");
        expect("duplicate-key-top-level.json", "$.runId", "'runId' appears twice");
        expect("duplicate-key-in-config.json", "$.config.ft.epochs", "appears twice");
        expect("duplicate-row-conflicting-values.json", "$.rows[3] and $.rows[6]", "same measurement", "metric 'p-asr'",
                "defense 'ft'", "seed 0", "0.028 and 0.676");
        expect("duplicate-row-same-value.json", "$.rows[0] and $.rows[12]", "same measurement", "metric 'c-acc'");
        expect("duplicate-cell-matrix-point.json", "$.cells[1] and $.cells[2]", "seed 1");
        expect("duplicate-curve.json", "$.curves[0] and $.curves[2]", "'backdoor-error'");
        expect("duplicate-plugin.json", "$.plugins[2] and $.plugins[6]", "defense 'ft'");
        expect("row-dataset-not-its-cells.json", "$.rows[3].dataset", "'cifar10'", "'fashion-mnist'");
        expect("row-model-not-its-cells.json", "$.rows[3].model", "'resnet18'", "'cnn-small'");
        expect("row-attack-not-its-cells.json", "$.rows[3].attack", "'blended'", "'badnet'");
        expect("row-poison-rate-not-its-cells.json", "$.rows[3].poisonRate", "is 0.1", "poisonRate 0.05");
        expect("row-seed-not-its-cells.json", "$.rows[8].seed", "is 0", "seed 1");
        expect("curve-names-undeclared-cell.json", "$.curves[1]", "not in the document's cells");
        expect("value-nan.json", "$.rows[3].value", "NaN", "null");
        expect("value-infinity.json", "$.rows[3].value", "infinite");
        expect("value-overflows-double.json", "$.rows[10].value", "infinite");
        expect("curve-x-negative-infinity.json", "$.curves[0].x[2]", "infinite");
        expect("value-percent-not-fraction.json", "$.rows[3].value is 67.6", "evaluator 'ra' reports fractions in [0, 1]",
                "metric 'p-asr'");
        expect("value-negative-rate.json", "$.rows[2].value is -0.01", "evaluator 'accuracy' reports fractions in [0, 1]");
        expect("poison-rate-above-one.json", "$.cells[0].poisonRate", "results schema", "maximum");
        expect("seed-beyond-64-bits.json", "$.cells[1].seed", "64-bit");
        expect("control-nul-in-defense.json", "$.rows[3].defense", "U+0000");
        expect("control-escape-in-approximation.json", "$.approximations[0]", "U+001B");
        expect("control-carriage-return-in-profile.json", "$.profile", "U+000D");
        expect("control-c1-in-provenance.json", "$.provenance.os", "U+009B");
        expect("control-in-config-key.json", "$.config.ft", "the key 'bell\\u0007'", "U+0007");
        expect("blank-run-id.json", "$.runId", "blank");
        expect("blank-defense.json", "$.rows[0].defense", "blank");
        expect("padded-defense.json", "$.rows[4].defense", "leading or trailing whitespace");
    }

    private static void expect(String file, String... words) {
        EXPECTED.put(file, List.of(words));
    }

    @Inject ResultsImporter importer;
    @Inject DbState db;
    @Inject @Client("/") HttpClient http;

    @BeforeEach
    void empty() {
        db.clear();
    }

    static Stream<String> badDocuments() {
        return EXPECTED.keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("badDocuments")
    void theImporterRefusesIt(String file) throws Exception {
        Map<String, Long> before = db.counts();
        ImportException e = assertThrows(ImportException.class, () -> importer.importDocument(read(file), true));
        assertEquals(ImportException.Reason.SCHEMA, e.reason(), e.getMessage());
        assertEquals(422, e.reason().httpStatus);
        assertMentions(file, e.getMessage());
        assertEquals(before, db.counts());
    }

    @ParameterizedTest
    @MethodSource("badDocuments")
    void theAdminApiAnswers422WithTheMessage(String file) throws Exception {
        Map<String, Long> before = db.counts();
        HttpResponse<String> r = post(new String(read(file), StandardCharsets.UTF_8));
        assertEquals(422, r.code(), r.getBody(String.class).orElse(""));
        JsonNode body = ResultsDocuments.JSON.readTree(r.getBody(String.class).orElseThrow());
        assertEquals(422, body.get("status").intValue());
        assertMentions(file, body.get("error").textValue());
        assertEquals(before, db.counts());
    }

    @Test
    void theCliImportRefusesItToo() throws Exception {
        ImportException e = assertThrows(ImportException.class,
                () -> LeaderboardMain.importFile(importer, folder().resolve("duplicate-row-conflicting-values.json"), true));
        assertEquals(ImportException.Reason.SCHEMA, e.reason());
        assertMentions("duplicate-row-conflicting-values.json", e.getMessage());
        assertEquals(0L, db.counts().get("runs"));
    }

    /** The flaws are the only problems: the document they come from imports, tab and newline in its text included. */
    @Test
    void theDocumentTheyComeFromImports() throws Exception {
        HttpResponse<String> r = post(new String(Files.readAllBytes(folder().resolveSibling("valid-document.json")),
                StandardCharsets.UTF_8));
        assertEquals(201, r.code(), r.getBody(String.class).orElse(""));
        assertEquals(12L, db.counts().get("result_rows"));
    }

    /** A fixture added without its expected words would never run. */
    @Test
    void everyFixtureHasItsExpectation() throws Exception {
        try (Stream<Path> files = Files.list(folder())) {
            Set<String> found = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(EXPECTED.keySet()), found);
        }
    }

    private static void assertMentions(String file, String message) {
        for (String word : EXPECTED.get(file)) {
            assertTrue(message.contains(word), file + ": the message lacks '" + word + "': " + message);
        }
    }

    private HttpResponse<String> post(String json) {
        try {
            return http.toBlocking().exchange(HttpRequest.POST("/api/admin/runs", json).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .basicAuth(AdminTest.USER, AdminTest.PASSWORD), String.class);
        } catch (HttpClientResponseException e) {
            @SuppressWarnings("unchecked")
            HttpResponse<String> r = (HttpResponse<String>) (HttpResponse<?>) e.getResponse();
            return r;
        }
    }

    private static Path folder() throws URISyntaxException {
        return Path.of(BadDocumentsTest.class.getResource("/bad-documents").toURI());
    }

    private static byte[] read(String file) throws IOException, URISyntaxException {
        return Files.readAllBytes(folder().resolve(file));
    }
}
