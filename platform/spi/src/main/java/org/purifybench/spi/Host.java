package org.purifybench.spi;

/**
 * Services the host offers every plug-in, identical for built-in and third-party ones.
 */
public interface Host {
    Trainer trainer();

    /** Starts a progress bar for a phase of {@code total} units. */
    Progress progress(String phase, long total);

    /** Writes a one-line note that ends up in the run log (not the results). */
    void log(String message);
}
