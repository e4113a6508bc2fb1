package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * One defense on a leaderboard. {@code rank} is null for oracles, references and defenses
 * whose headline numbers are incomplete; {@code note} says which.
 */
@Serdeable
public record Standing(@Nullable Integer rank, String defense, Role role, Map<String, Estimate> metrics,
                       List<String> attacks, @Nullable String note) {

    public enum Role {
        /** A real defense: ranked when its numbers are complete. */
        DEFENSE,
        /** Needs the true trigger (EP): an upper bound, shown but never ranked. */
        ORACLE,
        /** none (the backdoored model) or clean (a model never poisoned): baselines, not defenses. */
        REFERENCE
    }

    public @Nullable Estimate metric(String key) {
        return metrics.get(key);
    }
}
