package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** A matrix point of a run (one backdoored model). */
@MappedEntity("run_cells")
public record CellRecord(
        @Id @GeneratedValue @Nullable Long id,
        Long runPk,
        String cellId,
        String dataset,
        String model,
        String attack,
        double poisonRate,
        long seed,
        @Nullable String backdooredModelKey) {
}
