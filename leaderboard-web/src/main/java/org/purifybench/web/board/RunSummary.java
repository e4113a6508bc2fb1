package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

@Serdeable
public record RunSummary(String runId, String status, String profile, String createdAt, String importedAt,
                         String configHash, @Nullable String codeVersion, long rows) {

    /** The id as a URL path segment. */
    public String runPath() {
        return Urls.segment(runId);
    }
}
