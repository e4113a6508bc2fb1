package org.purifybench.web.board;

import io.micronaut.serde.annotation.Serdeable;

/** A leaderboard entry: a defense, as its rows name it, at one parameter setting (fingerprint). */
@Serdeable
public record Entry(String defense, String setting) {
}
