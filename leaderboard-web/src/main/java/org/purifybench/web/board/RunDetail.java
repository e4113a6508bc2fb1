package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.PluginRecord;

/** A run page: provenance, approximations, plug-ins with jar hashes, cells and counts. */
@Serdeable
public record RunDetail(RunSummary summary, @Nullable Integer spiVersion, @Nullable String javaVersion,
                        @Nullable String os, @Nullable String cpu, @Nullable Integer cores, @Nullable String nd4jBackend,
                        @Nullable String device, @Nullable Double wallTimeSeconds, @Nullable Long peakHeapBytes,
                        @Nullable Long peakOffHeapBytes, Map<String, Double> phaseSeconds, List<String> approximations,
                        List<PluginView> plugins, List<CellView> cells, long curves, String documentSha256) {

    @Serdeable
    public record PluginView(String kind, String id, String version, String source, @Nullable String sha256,
                             boolean oracle, boolean reference) {
        static PluginView of(PluginRecord p) {
            return new PluginView(p.kind(), p.pluginId(), p.version(), p.source(), p.sha256(), p.oracle(), p.reference());
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
