package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * Everything the defense page shows for one track: what the defense is (its own description and
 * paper, the versions that ran), the parameter settings it was measured with, and the numbers of
 * {@code setting} (null = all settings together).
 */
@Serdeable
public record DefenseDetail(Track track, @Nullable String profile, String defense, @Nullable String setting,
                            List<SettingView> settings, Standing.Role role, @Nullable Standing standing,
                            @Nullable String description, @Nullable String paper, List<String> versions,
                            List<DetailColumn> resultColumns, List<DetailColumn> qraColumns,
                            List<AttackRow> attacks, boolean hasQra, boolean hasLmc, boolean hasEpPath,
                            List<Provenance> provenance) {

    /** One parameter setting: its fingerprint, parameters (null when the run did not record them) and runs. */
    @Serdeable
    public record SettingView(String fingerprint, @Nullable Map<String, Object> params, boolean official, List<String> runs) {
        public String paramsText() {
            return new DefenseSettings.Setting(fingerprint, params).paramsText();
        }
    }

    /** The id as a URL path segment. */
    public String defensePath() {
        return Urls.segment(defense);
    }
}
