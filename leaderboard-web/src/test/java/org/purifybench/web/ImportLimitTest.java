package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.purifybench.web.importing.ResultsImporter;

/**
 * The shipped limits (application.yml, no test overrides): the API takes a results document up to
 * purifybench.import.max-bytes (16 MiB) like the admin form, not Micronaut's 10 MB buffering default.
 */
@MicronautTest(transactional = false)
class ImportLimitTest {

    static final long SIXTEEN_MIB = 16L * 1024 * 1024;

    @Inject @Client("/") HttpClient http;
    @Inject ResultsImporter importer;
    @Inject HttpServerConfiguration server;
    @Inject DbState db;

    private HttpResponse<String> post(String json) {
        try {
            return http.toBlocking().exchange(HttpRequest.POST("/api/admin/runs", json)
                    .contentType(MediaType.APPLICATION_JSON_TYPE).basicAuth("admin", "test-admin-password"), String.class);
        } catch (HttpClientResponseException e) {
            @SuppressWarnings("unchecked")
            HttpResponse<String> r = (HttpResponse<String>) (HttpResponse<?>) e.getResponse();
            return r;
        }
    }

    @Test
    void theApiTakesDocumentsUpToTheImportLimit() {
        db.clear();
        assertEquals(SIXTEEN_MIB, importer.maxBytes(), "the documented default");
        assertEquals(importer.maxBytes(), server.getMaxRequestBufferSize(), "the API buffers as much as a document may have");
        assertTrue(server.getMaxRequestSize() > importer.maxBytes(), "a whole request may carry a full document");

        HttpResponse<String> at = post(ErrorFormatTest.documentOfSize("at-the-limit", (int) SIXTEEN_MIB));
        assertEquals(201, at.code(), at.getBody(String.class).orElse(""));
        HttpResponse<String> over = post(ErrorFormatTest.documentOfSize("over-the-limit", (int) SIXTEEN_MIB + 1));
        String error = ErrorFormatTest.assertJson(over, 413, "one byte over 16 MiB");
        assertTrue(error.contains(String.valueOf(SIXTEEN_MIB)) && error.contains("purifybench.import.max-bytes"), error);
        assertEquals(1L, db.counts().get("runs"));
    }
}
