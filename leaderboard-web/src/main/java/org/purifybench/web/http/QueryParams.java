package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import org.purifybench.web.board.BadQueryException;

/**
 * Parses numeric query parameters before anything computes with them: a NaN, an infinity or an
 * out-of-range value would otherwise reach code that assumes a real fraction (a 500 instead of a 400).
 */
final class QueryParams {
    private QueryParams() {
    }

    /**
     * A poisoning rate: a plain decimal number in [0, 1]. BigDecimal's grammar has no NaN, Infinity,
     * hexadecimal or type suffix (Double.parseDouble accepts all of these) and keeps 1e400 as the
     * large number it is, so the range check sees the value that was asked for.
     */
    static double rate(String raw) {
        BigDecimal value;
        try {
            value = new BigDecimal(raw);
        } catch (NumberFormatException e) {
            throw new BadQueryException("rate '" + shorten(raw) + "' is not a number - give the poisoning rate as a decimal"
                    + " fraction between 0 and 1, e.g. rate=0.05");
        }
        if (value.signum() < 0 || value.compareTo(BigDecimal.ONE) > 0) {
            throw new BadQueryException("rate '" + shorten(raw) + "' is out of range - give the poisoning rate as a fraction"
                    + " between 0 and 1, e.g. rate=0.05 for 5%");
        }
        return value.doubleValue(); // -0 becomes 0, as in the stored tracks
    }

    /**
     * A yes/no switch: absent is false; only true and false are accepted (Micronaut's own conversion reads
     * any other word as false, so a typo would silently do the opposite of what was meant).
     */
    static boolean flag(String name, @Nullable String raw) {
        if (raw == null || raw.equalsIgnoreCase("false")) {
            return false;
        }
        if (raw.equalsIgnoreCase("true")) {
            return true;
        }
        throw new BadQueryException(name + " '" + shorten(raw) + "' is not true or false - use " + name + "=true or leave it out");
    }

    /** Messages quote what was sent, but not a whole megabyte of it. */
    static String shorten(String raw) {
        return raw.length() <= 40 ? raw : raw.substring(0, 40) + "...";
    }
}
