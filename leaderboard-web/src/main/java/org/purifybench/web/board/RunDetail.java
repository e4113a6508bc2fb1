package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.PluginRecord;

/** A run page: provenance, the whole configuration, approximations, plug-ins with jar hashes, cells and counts. */
@Serdeable
public record RunDetail(RunSummary summary, @Nullable Integer spiVersion, @Nullable String javaVersion,
                        @Nullable String os, @Nullable String cpu, @Nullable Integer cores, @Nullable String nd4jBackend,
                        @Nullable String device, @Nullable Double wallTimeSeconds, @Nullable Long peakHeapBytes,
                        @Nullable Long peakOffHeapBytes, Map<String, Double> phaseSeconds, List<String> approximations,
                        List<PluginView> plugins, List<CellView> cells, long curves, String documentSha256,
                        @Nullable Map<String, Object> config) {

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
                             boolean oracle, boolean reference, @Nullable String description, @Nullable String paper) {
        static PluginView of(PluginRecord p) {
            return new PluginView(p.kind(), p.pluginId(), p.version(), p.source(), p.sha256(), p.oracle(), p.reference(),
                    p.description(), p.paper());
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
