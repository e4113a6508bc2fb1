package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** One scalar measurement; a null value means "undefined" (e.g. an ASR over no images). */
@MappedEntity("result_rows")
public record RowRecord(
        @Id @GeneratedValue @Nullable Long id,
        Long runPk,
        String cellId,
        String dataset,
        String model,
        String attack,
        double poisonRate,
        long seed,
        String defense,
        String evaluator,
        String metric,
        @Nullable Double metricValue) {
}
