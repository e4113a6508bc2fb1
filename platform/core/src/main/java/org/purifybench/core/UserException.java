package org.purifybench.core;

/**
 * A problem the user can fix (bad config, missing dataset, unwritable folder...). The CLI prints
 * it as one line, "error: PROBLEM - FIX", without a stack trace.
 */
public class UserException extends RuntimeException {
    private final String fix;

    public UserException(String problem, String fix) {
        super(problem);
        this.fix = fix;
    }

    public UserException(String problem, String fix, Throwable cause) {
        super(problem, cause);
        this.fix = fix;
    }

    public String problem() {
        return getMessage();
    }

    public String fix() {
        return fix;
    }

    /** The single line the CLI prints. */
    public String oneLine() {
        return fix == null || fix.isBlank() ? getMessage() : getMessage() + " - " + fix;
    }
}
