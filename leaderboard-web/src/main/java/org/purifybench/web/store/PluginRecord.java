package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/**
 * A plug-in a run loaded, with the jar hash that identifies the code that produced its numbers.
 * {@code role} (defenses) and {@code metricsJson} (evaluators: a JSON array of declared metric
 * names) are null for documents written before they were recorded; read roles through
 * {@link PluginRoles}.
 */
@MappedEntity("run_plugins")
public record PluginRecord(
        @Id @GeneratedValue @Nullable Long id,
        Long runPk,
        String kind,
        String pluginId,
        String version,
        String source,
        @Nullable String sha256,
        @MappedProperty("is_oracle") boolean oracle,
        @MappedProperty("is_reference") boolean reference,
        @Nullable String description,
        @Nullable String paper,
        @Nullable String role,
        @Nullable @MappedProperty("metrics_json") String metricsJson) {

    public PluginRecord(@Nullable Long id, Long runPk, String kind, String pluginId, String version, String source,
                        @Nullable String sha256, boolean oracle, boolean reference, @Nullable String description,
                        @Nullable String paper) {
        this(id, runPk, kind, pluginId, version, source, sha256, oracle, reference, description, paper, null, null);
    }
}
