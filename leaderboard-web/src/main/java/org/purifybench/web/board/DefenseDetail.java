package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** Everything the defense page shows for one track. */
@Serdeable
public record DefenseDetail(Track track, @Nullable String profile, String defense, Standing.Role role, @Nullable Standing standing,
                            List<DetailColumn> resultColumns, List<DetailColumn> qraColumns,
                            List<AttackRow> attacks, boolean hasQra, boolean hasLmc, boolean hasEpPath,
                            List<Provenance> provenance) {

    /** The id as a URL path segment. */
    public String defensePath() {
        return Urls.segment(defense);
    }
}
