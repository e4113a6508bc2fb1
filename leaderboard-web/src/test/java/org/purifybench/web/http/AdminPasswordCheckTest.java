package org.purifybench.web.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-up check of the configured admin password (a warning, not a refusal to start). */
class AdminPasswordCheckTest {

    private static List<String> check(String password) {
        return AdminPasswordCheck.weaknesses(password, "admin");
    }

    @Test
    void shortPasswordsAreWeak() {
        assertTrue(check("x7$Kp2!q").stream().anyMatch(w -> w.contains("8 characters, fewer than 12")), check("x7$Kp2!q").toString());
    }

    @Test
    void oneCharacterClassIsWeakUnlessItIsALongPassphrase() {
        assertTrue(check("zqxwvkjmhtrplb").stream().anyMatch(w -> w.contains("one kind of character only (lower-case letters)")));
        assertTrue(check("83920174650921").stream().anyMatch(w -> w.contains("(digits)")));
        assertTrue(check("ZQXWVKJMHTRPLB").stream().anyMatch(w -> w.contains("(upper-case letters)")));
        assertEquals(List.of(), check("correcthorsebatterystaple"), "25 lower-case letters pass as a passphrase");
    }

    @Test
    void wellKnownPasswordsSequencesAndRepetitionsAreWeak() {
        for (String p : List.of("password", "Password123!", "admin", "Admin2024!!!", "123456789012", "qwertyuiopas", "aaaaaaaaaaaaaa",
                "Abc1Abc1Abc1Abc1", "letmein!!!!!!", "ADMIN")) {
            assertTrue(check(p).stream().anyMatch(w -> w.contains("well-known password")), p + ": " + check(p));
        }
        assertTrue(AdminPasswordCheck.weaknesses("Operator-Jane-1", "operator-jane-1").stream()
                .anyMatch(w -> w.contains("the user name")), "the user name as password");
    }

    @Test
    void strongPasswordsPass() {
        for (String p : List.of("test-admin-password", "t7#Vq9!mZp2$Lr", "Blue-Kettle-Orbit-42", "3f9a0c1b7d2e4f6a8b9c0d1e")) {
            assertEquals(List.of(), check(p), p);
        }
        assertFalse(check("short").isEmpty());
    }
}
