package org.purifybench.web.importing;

/**
 * A document that cannot be imported. The status is the HTTP status the endpoint answers with;
 * the message names the problem and the fix, and nothing has been written when it is thrown.
 */
public final class ImportException extends RuntimeException {

    public enum Reason {
        MALFORMED(400), TOO_LARGE(413), CONFLICT(409), SCHEMA(422);

        public final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }
    }

    private final Reason reason;

    public ImportException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
