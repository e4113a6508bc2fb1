package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * One entry (a defense at one parameter setting) on a leaderboard. {@code rank} is the best rank the
 * entry can claim and {@code rankWorst} the worst: entries whose P-ASR intervals (mean ± one standard
 * deviation over seeds) overlap share ranks. Both are null for oracles, references, variants (a
 * setting other than the official one) and entries whose headline numbers are incomplete;
 * {@code note} says which. {@code belowCAccBudget}: C-Acc fell more than the track's budget below the
 * backdoored model's, so the entry ranks after every entry within it. {@code fewerSeeds}: its P-ASR
 * rests on fewer seeds than the track's most-measured entry.
 */
@Serdeable
public record Standing(@Nullable Integer rank, @Nullable Integer rankWorst, String defense, String setting, String name,
                       @Nullable Map<String, Object> params, Role role, Map<String, Estimate> metrics,
                       List<String> attacks, boolean belowCAccBudget, boolean fewerSeeds, @Nullable String note) {

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

    public Entry entry() {
        return new Entry(defense, setting);
    }

    /** "3", or "2-5" when the intervals leave the order open; "-" when unranked. */
    public String rankLabel() {
        if (rank == null) {
            return "-";
        }
        return rankWorst == null || rankWorst.equals(rank) ? rank.toString() : rank + "–" + rankWorst;
    }

    Standing withRanks(@Nullable Integer best, @Nullable Integer worst) {
        return new Standing(best, worst, defense, setting, name, params, role, metrics, attacks, belowCAccBudget, fewerSeeds, note);
    }
}
