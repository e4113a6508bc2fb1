package org.purifybench.web.store;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** The single row of board_version: see V2__board_version.sql. */
@MappedEntity("board_version")
public record BoardVersion(@Id Integer id, long version) {
}
