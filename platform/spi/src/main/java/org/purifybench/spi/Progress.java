package org.purifybench.spi;

/** Progress of one long phase; the host shows it as a bar with ETA. */
public interface Progress extends AutoCloseable {
    void step(long n);

    /** Extra text shown beside the bar, e.g. the current loss. */
    default void message(String text) {
    }

    @Override
    void close();
}
