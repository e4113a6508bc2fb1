package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;

class ModelCacheTest {
    private final ModelSpec spec = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 8, 8), 3, 2);

    @Test
    void missThenHitThenCorruptionIsDetectedAndRebuilt(@TempDir Path dir) throws Exception {
        List<String> log = new ArrayList<>();
        ModelCache cache = new ModelCache(dir, log::add);
        AtomicInteger builds = new AtomicInteger();
        var built = cache.getOrBuild("k1", Map.of("what", "test"), () -> {
            builds.incrementAndGet();
            return SdModel.create(spec, 4);
        });
        assertEquals(ModelCache.Outcome.MISS, built.outcome());
        var hit = cache.getOrBuild("k1", Map.of(), () -> {
            throw new AssertionError("must not rebuild a valid entry");
        });
        assertEquals(ModelCache.Outcome.HIT, hit.outcome());
        assertEquals(built.model().flatParameters(), hit.model().flatParameters());

        // Flip one byte in the middle of the model file: the checksum catches it.
        Path file = dir.resolve("k1/model.pbm");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(file, bytes);
        var rebuilt = cache.getOrBuild("k1", Map.of(), () -> {
            builds.incrementAndGet();
            return SdModel.create(spec, 4);
        });
        assertEquals(ModelCache.Outcome.REBUILT_CORRUPT, rebuilt.outcome());
        assertEquals(2, builds.get());
        assertEquals(1, log.stream().filter(l -> l.contains("corrupt")).count());
        assertEquals(ModelCache.Outcome.HIT, cache.getOrBuild("k1", Map.of(), () -> null).outcome());
    }

    @Test
    void anEntryWithoutItsChecksumFileIsIncompleteAndRebuilt(@TempDir Path dir) throws Exception {
        ModelCache cache = new ModelCache(dir, s -> { });
        cache.getOrBuild("k", Map.of(), () -> SdModel.create(spec, 1));
        Files.delete(dir.resolve("k/entry.json")); // as if killed between the two writes
        assertEquals(ModelCache.Outcome.MISS, cache.getOrBuild("k", Map.of(), () -> SdModel.create(spec, 1)).outcome());
    }

    @Test
    void whatABuildAddsToTheDescriptionIsSealedAndReadBackWithoutTheModel(@TempDir Path dir) throws Exception {
        ModelCache cache = new ModelCache(dir, s -> { });
        assertEquals(null, cache.description("k"), "no entry yet");
        Map<String, Object> description = new java.util.LinkedHashMap<>(Map.of("what", "purified"));
        cache.getOrBuild("k", description, () -> {
            description.put("diagnostics", Map.of("rho", 0.5));
            return SdModel.create(spec, 1);
        });
        Map<String, Object> read = cache.description("k");
        assertEquals("purified", read.get("what"));
        assertEquals(Map.of("rho", 0.5), read.get("diagnostics"));
        assertEquals(false, read.containsKey("sha256"), "bookkeeping is not part of the description");
        Files.writeString(dir.resolve("k/model.pbm"), "corrupt");
        assertEquals(null, cache.description("k"), "an invalid entry describes nothing");
    }

    @Test
    void unwritableFolderIsAUserError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        UserException e = assertThrows(UserException.class, () -> new ModelCache(file.resolve("cache"), s -> { }));
        assertEquals(true, e.fix().contains("--work-dir"));
    }
}
