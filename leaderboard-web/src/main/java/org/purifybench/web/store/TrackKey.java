package org.purifybench.web.store;

import io.micronaut.core.annotation.Introspected;

/** A leaderboard track: dataset x model x poison rate. */
@Introspected
public record TrackKey(String dataset, String model, double poisonRate) {
}
