package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * One track's ranking as shown: the attacks averaged over, the run profiles included (all when
 * {@code profile} is null), the sort, the rows in display order.
 */
@Serdeable
public record Leaderboard(Track track, List<String> trackAttacks, List<String> attacks, List<String> profiles,
                          @Nullable String profile, String sort, String dir, List<Standing> standings) {
}
