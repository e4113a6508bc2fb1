package org.purifybench.web.submissions;

import java.util.List;
import java.util.Map;

/**
 * The states of a submission, as stored (lower case, like a run's pending/published):
 * received -> admitting -> refused | queued -> running -> failed | pending_review -> published | rejected.
 * An admin may also reject a queued submission, cancel one that is not finished (its child process
 * tree is killed: -> cancelled), and delete any that is not being worked on.
 */
public final class SubmissionState {
    public static final String RECEIVED = "received";
    public static final String ADMITTING = "admitting";
    public static final String REFUSED = "refused";
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String FAILED = "failed";
    public static final String PENDING_REVIEW = "pending_review";
    public static final String PUBLISHED = "published";
    public static final String REJECTED = "rejected";
    public static final String CANCELLED = "cancelled";

    /** Not finished yet: these count against a submitter's queue limit. */
    public static final List<String> OPEN = List.of(RECEIVED, ADMITTING, QUEUED, RUNNING);

    /** A worker has a child process on these: an admin must wait before deleting. */
    public static final List<String> ACTIVE = List.of(ADMITTING, RUNNING);

    /** The server keeps the jar in these (the storage quota counts them); it deletes a refused, failed or cancelled one at once. */
    public static final List<String> JAR_KEPT = List.of(RECEIVED, ADMITTING, QUEUED, RUNNING, PENDING_REVIEW, PUBLISHED, REJECTED);

    /** Ended without results: the jar is deleted, its SHA-256, message and log tail stay in the record. */
    public static final List<String> JAR_DROPPED = List.of(REFUSED, FAILED, CANCELLED);

    private static final Map<String, String> EXPLAINED = Map.of(
            RECEIVED, "Received: waiting for the admission check of the jar.",
            ADMITTING, "Admission: the jar is being checked (as data, then its descriptor and plug-ins are read).",
            REFUSED, "Refused: the jar did not pass admission; nothing of it ran. Fix it and upload it again.",
            QUEUED, "Queued: admitted; waiting for a worker to run the benchmark matrix.",
            RUNNING, "Running: the matrix is running, your defense in the sandbox.",
            FAILED, "Failed: the run did not finish; the error and the end of the log are below.",
            PENDING_REVIEW, "Pending review: the run finished; an admin reviews the results before they appear on the leaderboard.",
            PUBLISHED, "Published: the results are on the leaderboard.",
            REJECTED, "Rejected by an admin: the results are not on the leaderboard.",
            CANCELLED, "Cancelled by an admin: the job was stopped before it finished; nothing of it reaches the leaderboard.");

    private SubmissionState() {
    }

    public static String explain(String state) {
        return EXPLAINED.getOrDefault(state, state);
    }
}
