package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * A unit of a run that produced no results: its status (failed, timeout, memory, invalid-output,
 * descriptor-mismatch, unavailable, error), the one-line reason and the log's last lines (a JSON
 * array of strings, only ever read whole). A null evaluator means the defense itself failed.
 */
@MappedEntity("run_failures")
public record FailureRecord(
        @Id @GeneratedValue @Nullable Long id,
        Long runPk,
        String cellId,
        String defense,
        @Nullable String evaluator,
        String status,
        String reason,
        String logTailJson) {
}
