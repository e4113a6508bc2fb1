package org.purifybench.web.http;

import io.micronaut.serde.annotation.Serdeable;

@Serdeable
public record ApiError(int status, String error) {
}
