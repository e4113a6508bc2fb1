package org.purifybench.web.http;

import io.micronaut.serde.annotation.Serdeable;

/** A successful admin action's answer (errors are {@link ApiError}: their text is in {@code error}). */
@Serdeable
public record ApiMessage(int status, String message) {
}
