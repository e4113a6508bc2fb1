package org.purifybench.web.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/** A defense jar uploaded on the website (migration V3); the states are in {@code SubmissionState}. */
@MappedEntity("submissions")
public record SubmissionRecord(
        @Id String id,
        String tokenSha256,
        String displayName,
        String contact,
        String fileName,
        String jarSha256,
        long jarBytes,
        String status,
        @Nullable String message,
        @Nullable String logTail,
        @Nullable String pluginId,
        @Nullable String pluginVersion,
        @Nullable String pluginNeeds,
        @Nullable String runId,
        int attempts,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt) {

    public SubmissionRecord withStatus(String newStatus, @Nullable String newMessage, Instant now) {
        return new SubmissionRecord(id, tokenSha256, displayName, contact, fileName, jarSha256, jarBytes, newStatus, newMessage,
                logTail, pluginId, pluginVersion, pluginNeeds, runId, attempts, createdAt, now, startedAt, finishedAt);
    }
}
