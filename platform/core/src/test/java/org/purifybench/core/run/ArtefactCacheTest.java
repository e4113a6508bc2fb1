package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.spi.ArtefactStore;

class ArtefactCacheTest {
    private static final byte[] ENCODER = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void computesOnceThenReadsBackAndKeysByContextAndName(@TempDir Path dir) {
        ArtefactCache cache = new ArtefactCache(dir, s -> { });
        AtomicInteger computed = new AtomicInteger();
        ArtefactStore seed0 = cache.storeFor(Map.of("seed", 0, "attack", "ssba"));
        assertArrayEquals(ENCODER, seed0.getOrCompute("encoder", () -> { computed.incrementAndGet(); return ENCODER.clone(); }));
        assertArrayEquals(ENCODER, seed0.getOrCompute("encoder", () -> { throw new AssertionError("must read the valid entry"); }));
        // Another context (seed) or another name is another entry.
        cache.storeFor(Map.of("seed", 1, "attack", "ssba")).getOrCompute("encoder", () -> { computed.incrementAndGet(); return new byte[] {9}; });
        seed0.getOrCompute("decoder", () -> { computed.incrementAndGet(); return new byte[] {7}; });
        assertEquals(3, computed.get());
        // A new cache object over the same folder (a later process) hits too.
        assertArrayEquals(ENCODER, new ArtefactCache(dir, s -> { }).storeFor(Map.of("attack", "ssba", "seed", 0))
                .getOrCompute("encoder", () -> { throw new AssertionError("key must not depend on map order"); }));
    }

    @Test
    void aCorruptOrIncompleteEntryIsRecomputedNeverReturned(@TempDir Path dir) throws Exception {
        List<String> log = new ArrayList<>();
        ArtefactStore store = new ArtefactCache(dir, log::add).storeFor(Map.of("seed", 0));
        store.getOrCompute("encoder", ENCODER::clone);
        Path payload;
        try (Stream<Path> s = Files.walk(dir)) {
            payload = s.filter(p -> p.getFileName().toString().equals("artefact.bin")).findFirst().orElseThrow();
        }
        Files.write(payload, new byte[] {1, 2, 3, 4, 5, 6, 7, 0});
        AtomicInteger computed = new AtomicInteger();
        assertArrayEquals(ENCODER, store.getOrCompute("encoder", () -> { computed.incrementAndGet(); return ENCODER.clone(); }));
        assertEquals(1, computed.get());
        assertEquals(1, log.stream().filter(l -> l.contains("corrupt")).count());

        Files.delete(payload.resolveSibling("entry.json")); // killed between the two writes
        assertArrayEquals(ENCODER, store.getOrCompute("encoder", () -> { computed.incrementAndGet(); return ENCODER.clone(); }));
        assertEquals(2, computed.get());
    }

    @Test
    void aNullResultIsAnErrorNotAnEntry(@TempDir Path dir) {
        ArtefactStore store = new ArtefactCache(dir, s -> { }).storeFor(Map.of());
        assertThrows(IllegalStateException.class, () -> store.getOrCompute("x", () -> null));
        assertThrows(IllegalArgumentException.class, () -> store.getOrCompute(" ", () -> new byte[0]));
    }
}
