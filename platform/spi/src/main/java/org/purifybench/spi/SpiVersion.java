package org.purifybench.spi;

/**
 * The SPI's version. The host reads a plug-in's declared SPI version before loading any of its
 * classes and refuses a mismatch; bump it only for incompatible changes (new methods are added
 * as {@code default} methods and do not bump it).
 */
public final class SpiVersion {
    public static final int CURRENT = 1;

    private SpiVersion() {
    }
}
