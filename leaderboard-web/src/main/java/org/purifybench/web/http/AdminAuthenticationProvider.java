package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.authentication.provider.HttpRequestAuthenticationProvider;
import jakarta.inject.Singleton;
import java.util.List;

/** HTTP Basic authentication of the admin account (micronaut-security's basic-auth fetcher calls it). */
@Singleton
class AdminAuthenticationProvider<B> implements HttpRequestAuthenticationProvider<B> {

    static final String ROLE_ADMIN = "ADMIN";

    private final AdminCredentials credentials;

    AdminAuthenticationProvider(AdminCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public AuthenticationResponse authenticate(@Nullable HttpRequest<B> request,
                                               AuthenticationRequest<String, String> auth) {
        return credentials.matches(auth.getIdentity(), auth.getSecret())
                ? AuthenticationResponse.success(credentials.user(), List.of(ROLE_ADMIN))
                : AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH);
    }
}
