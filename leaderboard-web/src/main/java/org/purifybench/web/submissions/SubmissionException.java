package org.purifybench.web.submissions;

/** A submission request refused: the HTTP status and a message naming the problem and the fix. */
public final class SubmissionException extends RuntimeException {
    private final int status;

    public SubmissionException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
