package org.purifybench.web.board;

import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/** One attack's numbers for a defense: column key -> estimate over seeds. */
@Serdeable
public record AttackRow(String attack, List<Long> seeds, Map<String, Estimate> values) {
}
