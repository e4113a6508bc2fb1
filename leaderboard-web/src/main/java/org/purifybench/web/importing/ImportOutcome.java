package org.purifybench.web.importing;

import io.micronaut.serde.annotation.Serdeable;

/** What an import did: {@code created} false means the very same document was already there. */
@Serdeable
public record ImportOutcome(String runId, boolean created, String status, long rows, long curves, String message) {
}
