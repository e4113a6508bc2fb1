package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** Where a defense's numbers in a track came from: one entry per published run. */
@Serdeable
public record Provenance(String runId, String createdAt, String profile, String configHash, @Nullable String codeVersion,
                         List<Long> seeds, String pluginVersion, String pluginSource, @Nullable String pluginSha256,
                         @Nullable String cpu, @Nullable Integer cores, @Nullable String device,
                         @Nullable String engine, @Nullable String nd4jBackend, @Nullable Double wallTimeSeconds, List<String> approximations) {

    /** The id as a URL path segment. */
    public String runPath() {
        return Urls.segment(runId);
    }
}
