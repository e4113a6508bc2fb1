package org.purifybench.core.results;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * One scalar measurement. Results are stored long (one row per metric) rather than wide so that
 * a new evaluator or metric needs no format change; the matrix coordinates are repeated on every
 * row so a row can be read (or loaded into a data frame) without joining against {@code cells}.
 *
 * <p>{@code value} is normally a fraction in [0,1]. A metric that is undefined (for example an ASR
 * with no non-target test images, 0/0) is NaN in Java and {@code null} in JSON, because JSON has
 * no NaN; reports show it as missing.
 */
public record ResultRow(String cellId, String dataset, String model, String attack, double poisonRate, long seed,
                        String defense, String evaluator, String metric,
                        @JsonSerialize(using = NonFiniteAsNull.Serializer.class)
                        @JsonDeserialize(using = NonFiniteAsNull.Deserializer.class)
                        double value) {
}
