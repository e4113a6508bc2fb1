package org.purifybench.core.weights;

import java.io.IOException;

/** A weights file that is damaged, of another format, or holds more than tensors: its message names the file and what is wrong. */
public final class WeightsFormatException extends IOException {
    public WeightsFormatException(String message) {
        super(message);
    }

    public WeightsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
