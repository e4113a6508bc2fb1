package org.purifybench.web.store;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** The parameter setting an admin chose as a defense's official one (see V4__board_settings.sql). */
@MappedEntity("official_settings")
public record OfficialSetting(@Id String defense, String fingerprint, Instant markedAt) {
}
