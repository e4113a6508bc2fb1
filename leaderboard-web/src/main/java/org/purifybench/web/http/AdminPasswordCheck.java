package org.purifybench.web.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why a configured admin password is weak, said as a warning at start (the server still starts: the
 * operator may have reasons, and the failed-login lockout slows guessing either way). Weak: shorter
 * than {@link #MIN_LENGTH}; of one character class only (all lower case, all digits, ...) unless it
 * is a long passphrase; the user name; or a well-known password with at most some digits or
 * punctuation around it.
 */
public final class AdminPasswordCheck {
    static final int MIN_LENGTH = 12;
    /** A one-class password at least this long (about 94 bits for lower-case letters) passes as a passphrase. */
    static final int PASSPHRASE_LENGTH = 20;

    private static final Set<String> COMMON = Set.of("password", "passwort", "passw0rd", "admin", "administrator", "root",
            "letmein", "welcome", "qwerty", "qwertz", "azerty", "changeme", "secret", "default", "test", "guest", "master",
            "dragon", "monkey", "iloveyou", "trustno1", "abc", "abcdef", "purifybench", "leaderboard", "");
    private static final String[] SEQUENCES = {"12345678901234567890", "01234567890123456789", "98765432109876543210",
            "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1q2w3e4r5t6y7u8i9o0p"};

    private AdminPasswordCheck() {
    }

    /** The password's weaknesses, in words; empty when none was found. */
    public static List<String> weaknesses(String password, String user) {
        List<String> w = new ArrayList<>();
        if (password.length() < MIN_LENGTH) {
            w.add("it has " + password.length() + " characters, fewer than " + MIN_LENGTH);
        }
        if (classes(password) == 1 && password.length() < PASSPHRASE_LENGTH) {
            w.add("it uses one kind of character only (" + kind(password.charAt(0)) + ")");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        String core = lower.replaceAll("^[\\d\\p{Punct}\\s]+|[\\d\\p{Punct}\\s]+$", "");
        if (COMMON.contains(core) || lower.equals(user.toLowerCase(Locale.ROOT)) || isSequence(lower) || isRepeat(lower)) {
            w.add("it is a well-known password, the user name, a keyboard or number sequence or a repetition");
        }
        return w;
    }

    private static int classes(String p) {
        boolean lower = false;
        boolean upper = false;
        boolean digit = false;
        boolean other = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (Character.isLowerCase(c)) {
                lower = true;
            } else if (Character.isUpperCase(c)) {
                upper = true;
            } else if (Character.isDigit(c)) {
                digit = true;
            } else {
                other = true;
            }
        }
        return (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (other ? 1 : 0);
    }

    private static String kind(char c) {
        return Character.isLowerCase(c) ? "lower-case letters" : Character.isUpperCase(c) ? "upper-case letters"
                : Character.isDigit(c) ? "digits" : "symbols";
    }

    private static boolean isSequence(String p) {
        for (String s : SEQUENCES) {
            if (p.length() >= 4 && s.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** One short unit repeated: "aaaaaaaaaaaa", "abcabcabcabc", "admin1admin1". */
    private static boolean isRepeat(String p) {
        for (int unit = 1; unit <= p.length() / 2; unit++) {
            if (p.length() % unit == 0 && p.substring(0, unit).repeat(p.length() / unit).equals(p)) {
                return true;
            }
        }
        return false;
    }
}
