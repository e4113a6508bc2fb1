package org.purifybench.web.board;

/** A query parameter the site cannot honour (answered with 400 and this message). */
public final class BadQueryException extends RuntimeException {
    public BadQueryException(String message) {
        super(message);
    }
}
