package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.FailureRecord;
import org.purifybench.web.store.PluginRecord;

/**
 * A run page: provenance, the whole configuration, approximations, plug-ins with jar hashes, cells,
 * counts, and the units that failed (none recorded for documents of schemaVersion 1).
 */
@Serdeable
public record RunDetail(RunSummary summary, @Nullable Integer spiVersion, @Nullable String javaVersion,
                        @Nullable String os, @Nullable String cpu, @Nullable Integer cores, @Nullable String nd4jBackend,
                        @Nullable String device, @Nullable String engine, @Nullable Double wallTimeSeconds, @Nullable Long peakHeapBytes,
                        @Nullable Long peakOffHeapBytes, Map<String, Double> phaseSeconds, List<String> approximations,
                        List<PluginView> plugins, List<CellView> cells, long curves, String documentSha256,
                        @Nullable Map<String, Object> config,
                        // an API reader must tell "none failed" from a field it does not know: written also when empty
                        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS)
                        List<FailureView> failures) {

    /** The whole recorded configuration (data, model, training, every plug-in's parameters), indented. */
    public String configText() {
        if (config == null) {
            return "not recorded";
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Serdeable
    public record PluginView(String kind, String id, String version, String source, @Nullable String sha256,
                             boolean oracle, boolean reference, @Nullable String description, @Nullable String paper,
                             @Nullable String role) {
        static PluginView of(PluginRecord p) {
            return new PluginView(p.kind(), p.pluginId(), p.version(), p.source(), p.sha256(), p.oracle(), p.reference(),
                    p.description(), p.paper(), "defense".equals(p.kind()) ? org.purifybench.web.store.PluginRoles.of(p) : null);
        }
    }

    /** A failed unit; a null evaluator means the defense itself failed in that cell. */
    @Serdeable
    public record FailureView(String cellId, String defense, @Nullable String evaluator, String status, String reason,
                              List<String> logTail) {
        static FailureView of(FailureRecord f, List<String> logTail) {
            return new FailureView(f.cellId(), f.defense(), f.evaluator(), f.status(), f.reason(), logTail);
        }

        /** The log lines as one block, for the page. */
        public String logText() {
            return String.join("\n", logTail);
        }
    }

    @Serdeable
    public record CellView(String cellId, String dataset, String model, String attack, double poisonRate, long seed,
                           @Nullable String backdooredModelKey) {
        static CellView of(CellRecord c) {
            return new CellView(c.cellId(), c.dataset(), c.model(), c.attack(), c.poisonRate(), c.seed(), c.backdooredModelKey());
        }
    }
}
