package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeedsTest {
    private static final long[] SEEDS = {0, 1, 7, -3, 123_456_789L, Long.MIN_VALUE, Long.MAX_VALUE};

    @Test
    void recordedPurposesKeepTheFormulasTheirCodeUsed() {
        for (long seed : SEEDS) {
            assertEquals(seed ^ 0xA06E_47A7_10L, Seeds.derive(seed, "augmentation"));
            assertEquals(seed ^ 0xF57L, Seeds.derive(seed, "fst-head"));
            assertEquals(seed ^ 0x5eed, Seeds.derive(seed, "ep-relabelled-triggers"));
            assertEquals(seed ^ 0x5DEECE66DL, Seeds.derive(seed, "bti-generator-batches"));
            assertEquals(seed + 1, Seeds.derive(seed, "bti-refine"));
            assertEquals(seed ^ 0x414e50L, Seeds.derive(seed, "anp-noise"));
            for (long i : new long[] {0, 1, 2, 999}) {
                assertEquals(seed + i, Seeds.derive(seed, "round", i));
                assertEquals(seed * 1_000_003L + i, Seeds.derive(seed, "reversed-rows", i));
            }
        }
        assertEquals(Seeds.derive(5, "round", 0), Seeds.derive(5, "round"));
        assertEquals(8, Seeds.RECORDED.size(), "a new stream takes a new purpose with the general derivation, not a new recorded formula");
    }

    @Test
    void theGeneralDerivationIsPinned() {
        // Values of the documented formula; if they change, recorded runs of new purposes stop reproducing.
        assertEquals(0xcbf29ce484222325L, Seeds.fnv1a64(""));
        assertEquals(0xaf63df4c8601f1a5L, Seeds.fnv1a64("b"));
        assertEquals(0x5692161d100b05e5L, Seeds.mix(1), "SplitMix64's finaliser of 1");
        assertEquals(0x8cd767d404a47880L, Seeds.derive(0, "generator-init"));
        assertEquals(0x22dea6926957e85fL, Seeds.derive(42, "batches", 3));
    }

    @Test
    void streamsOfDifferentPurposesSeedsAndIndicesDiffer() {
        Set<Long> seen = new HashSet<>();
        for (long seed : SEEDS) {
            for (String purpose : new String[] {"a", "b", "generator-init", "batches"}) {
                for (long i = 0; i < 5; i++) {
                    seen.add(Seeds.derive(seed, purpose, i));
                }
            }
        }
        assertEquals(SEEDS.length * 4 * 5, seen.size());
        assertNotEquals(Seeds.derive(1, "x"), 1L);
    }

    @Test
    void aPurposeIsRequired() {
        var e = assertThrows(IllegalArgumentException.class, () -> Seeds.derive(1, " "));
        assertEquals(true, e.getMessage().contains("purpose"));
        assertThrows(IllegalArgumentException.class, () -> Seeds.derive(1, null));
    }
}
