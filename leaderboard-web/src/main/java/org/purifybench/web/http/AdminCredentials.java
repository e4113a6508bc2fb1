package org.purifybench.web.http;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one admin account. The password comes from PURIFYBENCH_ADMIN_PASSWORD
 * (purifybench.admin.password); without it the server makes up a random one and prints it once,
 * so a fresh server is never open with a default password.
 */
@Singleton
public class AdminCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(AdminCredentials.class);

    private final String user;
    private final byte[] passwordHash;
    private final String generated;
    private final java.util.List<String> weaknesses;

    public AdminCredentials(@Value("${purifybench.admin.user:admin}") String user,
                            @Value("${purifybench.admin.password:}") String password) {
        this.user = user;
        String effective = password;
        if (effective.isBlank()) {
            byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            effective = HexFormat.of().formatHex(random);
        }
        this.generated = password.isBlank() ? effective : null;
        this.weaknesses = password.isBlank() ? java.util.List.of() : AdminPasswordCheck.weaknesses(password, user);
        this.passwordHash = sha256(effective);
    }

    /** Said when the server starts (not by the CLI's import, which never serves). */
    @io.micronaut.runtime.event.annotation.EventListener
    void onStartup(io.micronaut.runtime.server.event.ServerStartupEvent event) {
        if (generated != null) {
            LOG.warn("No admin password configured: this server's admin password is {} (user '{}'); "
                    + "set PURIFYBENCH_ADMIN_PASSWORD to choose one", generated, user);
        }
        if (!weaknesses.isEmpty()) {
            LOG.warn("The admin password (PURIFYBENCH_ADMIN_PASSWORD) is weak: {} - choose one of at least {} characters that mixes"
                    + " letters, digits and symbols (or a passphrase of {} or more), or unset it and the server makes up a random one",
                    String.join("; ", weaknesses), AdminPasswordCheck.MIN_LENGTH, AdminPasswordCheck.PASSPHRASE_LENGTH);
        }
    }

    /** Why the configured password is weak (empty when it is not, or when the server made it up). */
    public java.util.List<String> weaknesses() {
        return weaknesses;
    }

    public String user() {
        return user;
    }

    /** Constant-time: compares hashes, never the strings character by character. */
    public boolean matches(String givenUser, String givenPassword) {
        boolean userOk = MessageDigest.isEqual(sha256(user), sha256(givenUser == null ? "" : givenUser));
        boolean passwordOk = MessageDigest.isEqual(passwordHash, sha256(givenPassword == null ? "" : givenPassword));
        return userOk & passwordOk;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
