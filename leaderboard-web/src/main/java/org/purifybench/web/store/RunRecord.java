package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** One imported results document: its identity, publication status and provenance. */
@MappedEntity("runs")
public record RunRecord(
        @Id @GeneratedValue @Nullable Long id,
        String runId,
        String documentSha256,
        String status,
        String profile,
        String createdAt,
        Instant importedAt,
        String configHash,
        @Nullable String codeVersion,
        @Nullable Integer spiVersion,
        @Nullable String javaVersion,
        @Nullable String os,
        @Nullable String cpu,
        @Nullable Integer cores,
        @Nullable String nd4jBackend,
        @Nullable String device,
        @Nullable String engine,
        @Nullable Double wallTimeSeconds,
        @Nullable Long peakHeapBytes,
        @Nullable Long peakOffHeapBytes,
        @Nullable String phaseSecondsJson,
        String approximationsJson,
        @Nullable String configJson) {

    public static final String PENDING = "pending";
    public static final String PUBLISHED = "published";

    public boolean published() {
        return PUBLISHED.equals(status);
    }
}
