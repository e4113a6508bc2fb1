package org.purifybench.core.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A unit of the matrix (cell x defense x evaluator) that produced no results, as results.json's
 * {@code failures} records it: a reader of the file sees what is missing and why instead of a
 * table that silently has fewer rows. {@code evaluator} is null when the defense itself failed in
 * that cell: then none of its evaluators that had not finished in an earlier (resumed) run could run. The text is made safe for any reader here (no
 * control characters, bounded lengths), because it comes from plug-ins and their output.
 */
public record FailedUnit(String cellId, String defense, String evaluator, Status status, String reason, List<String> logTail) {
    /** At most this many log lines are kept: the end of the unit's log, where the error is. */
    public static final int MAX_LOG_LINES = 40;
    public static final int MAX_LOG_LINE = 400;
    public static final int MAX_REASON = 2000;

    public FailedUnit {
        reason = clip(oneLine(reason == null || reason.isBlank() ? "(no reason given)" : reason), MAX_REASON);
        List<String> lines = new ArrayList<>();
        for (String l : logTail == null ? List.<String>of() : logTail) {
            lines.add(clip(printable(l), MAX_LOG_LINE));
        }
        logTail = List.copyOf(lines.subList(Math.max(0, lines.size() - MAX_LOG_LINES), lines.size()));
    }

    /** How the unit failed; the values are those of the sandbox's statuses, plus {@code error} for built-ins. */
    public enum Status {
        /** A sandboxed defense threw or its child exited with an error code. */
        FAILED,
        /** A sandboxed defense reached its wall-clock or CPU-time limit. */
        TIMEOUT,
        /** A sandboxed defense reached a memory limit. */
        MEMORY,
        /** A sandboxed defense ended without a usable model. */
        INVALID_OUTPUT,
        /** A sandboxed defense's descriptor() disagrees with its jar's descriptor file. */
        DESCRIPTOR_MISMATCH,
        /** The sandbox could not be set up: nothing of the defense ran. */
        UNAVAILABLE,
        /** A built-in defense or evaluator (or what the unit needed, e.g. the backdoored model) threw. */
        ERROR;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static Status of(String label) {
            for (Status s : values()) {
                if (s.label().equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown failure status '" + label + "' (known: failed, timeout, memory,"
                    + " invalid-output, descriptor-mismatch, unavailable, error)");
        }
    }

    /** C0 and C1 control characters (Character.isISOControl): what a reader of the file must not get. */
    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}]");

    private static String oneLine(String s) {
        return CONTROL.matcher(s).replaceAll(" ").replaceAll(" {2,}", " ").strip();
    }

    private static String printable(String s) {
        return s == null ? "" : CONTROL.matcher(s.replace('\t', ' ')).replaceAll("?");
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max - 3) + "..." : s;
    }
}
