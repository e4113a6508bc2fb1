package org.purifybench.spi;

import java.util.function.Supplier;

/**
 * A plug-in's own on-disk cache for expensive intermediate results (e.g. SSBA's trained encoder),
 * offered by the host so they are cached like models: the host keys each entry by everything that
 * determines the plug-in's context (dataset, splits, seed, the plug-in's parameters and code
 * fingerprint) plus {@code name}, checks a checksum on every read and recomputes a corrupt entry.
 */
@FunctionalInterface
public interface ArtefactStore {
    /** A store that caches nothing: every call computes. */
    ArtefactStore NONE = (name, compute) -> compute.get();

    /**
     * The bytes stored under {@code name} for this context, or - on a miss or a corrupt entry - the
     * result of {@code compute}, which is stored before it is returned. The plug-in must be able to
     * rebuild exactly what {@code compute} would give from the bytes (same seed, same result).
     */
    byte[] getOrCompute(String name, Supplier<byte[]> compute);
}
