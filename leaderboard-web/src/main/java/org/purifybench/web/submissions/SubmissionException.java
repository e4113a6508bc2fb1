package org.purifybench.web.submissions;

import io.micronaut.core.annotation.Nullable;
import java.time.Duration;

/** A submission request refused: the HTTP status and a message naming the problem and the fix. */
public final class SubmissionException extends RuntimeException {
    private final int status;
    private final @Nullable Duration retryAfter;

    public SubmissionException(int status, String message) {
        this(status, message, null);
    }

    /** @param retryAfter when the same request may succeed (sent as Retry-After), or null */
    public SubmissionException(int status, String message, @Nullable Duration retryAfter) {
        super(message);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
