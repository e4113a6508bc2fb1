package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * One track's ranking as shown: the attacks averaged over, the run profiles included (all when
 * {@code profile} is null), the sort, the rows in display order, and the ranking's terms:
 * {@code referenceCAcc} (the backdoored model's C-Acc, null when the track has none: the C-Acc guard
 * is then off), {@code cAccBudget} and {@code standardSeeds} (the most seeds any entry's P-ASR has).
 */
@Serdeable
public record Leaderboard(Track track, List<String> trackAttacks, List<String> attacks, List<String> profiles,
                          @Nullable String profile, String sort, String dir, List<Standing> standings,
                          @Nullable Double referenceCAcc, double cAccBudget, int standardSeeds) {

    /** The lowest C-Acc that stays within the budget, as a percentage; null when the guard is off. */
    public @Nullable String cAccFloorPercent() {
        return referenceCAcc == null ? null
                : String.format(java.util.Locale.ROOT, "%.1f", 100 * (referenceCAcc - cAccBudget));
    }

    public String cAccBudgetPoints() {
        return BoardSettings.points(cAccBudget);
    }
}
