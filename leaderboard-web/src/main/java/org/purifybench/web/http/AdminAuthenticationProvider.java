package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.authentication.provider.HttpRequestAuthenticationProvider;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;

/**
 * HTTP Basic authentication of the admin account (micronaut-security's basic-auth fetcher calls it);
 * every failure counts against the client's address ({@link LoginThrottle}, {@link LoginThrottleFilter}).
 */
@Singleton
class AdminAuthenticationProvider<B> implements HttpRequestAuthenticationProvider<B> {

    static final String ROLE_ADMIN = "ADMIN";

    private final AdminCredentials credentials;
    private final LoginThrottle throttle;
    private final ClientAddress addresses;

    AdminAuthenticationProvider(AdminCredentials credentials, LoginThrottle throttle, ClientAddress addresses) {
        this.credentials = credentials;
        this.throttle = throttle;
        this.addresses = addresses;
    }

    @Override
    public AuthenticationResponse authenticate(@Nullable HttpRequest<B> request,
                                               AuthenticationRequest<String, String> auth) {
        String address = request == null ? "unknown" : addresses.of(request);
        if (credentials.matches(auth.getIdentity(), auth.getSecret())) {
            throttle.succeeded(address);
            return AuthenticationResponse.success(credentials.user(), List.of(ROLE_ADMIN));
        }
        throttle.failed(address, Instant.now());
        return AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH);
    }
}
