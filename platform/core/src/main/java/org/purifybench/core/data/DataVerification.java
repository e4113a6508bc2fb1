package org.purifybench.core.data;

import java.util.Objects;

/**
 * Whether a loaded dataset's files are the published ones, and how that was established, so a run
 * can report it and a paper profile can refuse data that is not.
 *
 * @param verified true only when the files were checked against published checksums
 * @param summary  one line saying what was checked, or why the data is unverified
 */
public record DataVerification(boolean verified, String summary) {
    /** What datasets built by code (synthetic) or by loaders that do not check say. */
    public static final DataVerification NOT_CHECKED = unverified("UNVERIFIED: not checked against published checksums");

    public DataVerification {
        Objects.requireNonNull(summary, "summary");
    }

    public static DataVerification verified(String summary) {
        return new DataVerification(true, "verified: " + summary);
    }

    public static DataVerification unverified(String reason) {
        return new DataVerification(false, reason.startsWith("UNVERIFIED") ? reason : "UNVERIFIED: " + reason);
    }
}
