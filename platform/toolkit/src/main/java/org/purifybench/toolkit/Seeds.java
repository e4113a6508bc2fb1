package org.purifybench.toolkit;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongBinaryOperator;

/**
 * Seeds for the separate random streams of one plug-in, derived from the seed it was given and
 * the stream's purpose, so two streams never share draws by accident and a new stream does not
 * shift an old one's.
 *
 * <p>A new purpose gets the general derivation, a stable function of (seed, purpose, index):
 * {@code mix(seed ^ fnv1a64(purpose) ^ mix(index + 1))} with {@code fnv1a64} the 64-bit FNV-1a hash of
 * the purpose's UTF-8 bytes and {@code mix} SplitMix64's finaliser (Steele, Lea, Flood 2014). It
 * never changes: recorded runs depend on it.
 *
 * <p>The purposes of {@link #RECORDED} predate this class and keep the formula their code used
 * (a XOR with a constant, an offset): kept for reproducibility of recorded runs and cached models.
 * Do not add to them; a new stream takes a new purpose name.
 */
public final class Seeds {
    /** Purpose -> (seed, index) -> seed, each as its plug-in computed it before. */
    static final Map<String, LongBinaryOperator> RECORDED = Map.of(
            // core: crop-and-flip augmentation's stream (Augmentation)
            "augmentation", (seed, i) -> seed ^ 0xA06E_47A7_10L,
            // FST: the re-initialised classifier head
            "fst-head", (seed, i) -> seed ^ 0xF57L,
            // EP: which tuning images get the trigger with their true label
            "ep-relabelled-triggers", (seed, i) -> seed ^ 0x5eed,
            // BTI-DBF: the generator's batch order
            "bti-generator-batches", (seed, i) -> seed ^ 0x5DEECE66DL,
            // BTI-DBF: the refinement run after the target is known
            "bti-refine", (seed, i) -> seed + 1,
            // PAM, BTI-SAM, BTI-DBF: round i (0-based) of their rounds
            "round", (seed, i) -> seed + i,
            // ANP: the adversarial neuron noise
            "anp-noise", (seed, i) -> seed ^ 0x414e50L,
            // PAM / BTI-SAM: which rows of training step i are replaced by reversed images
            "reversed-rows", (seed, i) -> seed * 1_000_003L + i);

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Seeds() {
    }

    /** The seed of stream {@code purpose}. */
    public static long derive(long seed, String purpose) {
        return derive(seed, purpose, 0);
    }

    /** The seed of the {@code index}-th stream of {@code purpose} (an epoch, a round, a step). */
    public static long derive(long seed, String purpose, long index) {
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException("a seed purpose is a non-empty name, e.g. \"generator-init\"");
        }
        LongBinaryOperator recorded = RECORDED.get(purpose);
        if (recorded != null) {
            return recorded.applyAsLong(seed, index);
        }
        return mix(seed ^ fnv1a64(purpose) ^ mix(index + 1));
    }

    static long fnv1a64(String text) {
        long h = FNV_OFFSET;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** SplitMix64's finaliser: a bijection of 64-bit values with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
