package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** A measured series; x and y are stored as JSON arrays because they are only ever read whole. */
@MappedEntity("result_curves")
public record CurveRecord(
        @Id @GeneratedValue @Nullable Long id,
        Long runPk,
        String cellId,
        String defense,
        String evaluator,
        String name,
        String xJson,
        String yJson) {
}
