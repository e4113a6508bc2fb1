package org.purifybench.web.store;

import io.micronaut.core.annotation.Introspected;

/** How many published runs of one profile measured a track (the home page's featured track). */
@Introspected
public record TrackRuns(String dataset, String model, double poisonRate, String profile, long runs) {
}
