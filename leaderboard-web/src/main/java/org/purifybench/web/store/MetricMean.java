package org.purifybench.web.store;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;

/**
 * The mean of one metric for one (profile, defense, attack, seed) over the published runs that
 * measured it (usually one). Null when every value was undefined.
 */
@Introspected
public record MetricMean(String profile, String defense, String attack, long seed, String evaluator, String metric,
                         @Nullable Double meanValue, long runs) {
}
