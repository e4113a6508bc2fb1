package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A plug-in a run loaded, with the jar hash that identifies the code that produced its numbers. */
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
        @Nullable String paper) {
}
