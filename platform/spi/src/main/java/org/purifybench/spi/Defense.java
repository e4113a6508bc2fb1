package org.purifybench.spi;

/** A backdoor purification defense. */
public interface Defense extends Plugin {
    /** Returns the purified model (same architecture). Must not touch anything but its context's copies. */
    Model purify(DefenseContext context);
}
