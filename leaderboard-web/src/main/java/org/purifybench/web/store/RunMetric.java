package org.purifybench.web.store;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;

/**
 * The mean of one metric for one (run, defense, attack, seed): a run may repeat a unit only in
 * odd documents, so this is nearly always one value. Null when every value was undefined.
 */
@Introspected
public record RunMetric(long runPk, String defense, String attack, long seed, String evaluator, String metric,
                        @Nullable Double meanValue) {
}
