package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;

/**
 * Processes and threads sharing a cache (a cluster's tasks on one work folder): an entry is built
 * once, the others wait and read it, and a builder killed mid-way blocks nobody and leaves no entry.
 */
class CacheRaceTest {

    private static Process child(Path root, Path marker, long sleepMs, Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), CacheRaceChild.class.getName(),
                root.toString(), marker.toString(), Long.toString(sleepMs)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    @Test
    void twoProcessesAskingForTheSameMissingEntryBuildItOnceAndBothGetIt(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("cache");
        Path marker = dir.resolve("builds.txt");
        Process a = child(root, marker, 3000, dir.resolve("a.out"));
        Process b = child(root, marker, 3000, dir.resolve("b.out"));
        assertTrue(a.waitFor(120, TimeUnit.SECONDS) && b.waitFor(120, TimeUnit.SECONDS), "children did not finish");
        String outA = Files.readString(dir.resolve("a.out"));
        String outB = Files.readString(dir.resolve("b.out"));
        assertEquals(0, a.exitValue(), outA);
        assertEquals(0, b.exitValue(), outB);
        assertEquals(1, Files.readAllLines(marker).size(), "built once: " + Files.readString(marker));
        String gotA = outA.lines().filter(l -> l.startsWith("got: ")).findFirst().orElseThrow();
        assertEquals(gotA, outB.lines().filter(l -> l.startsWith("got: ")).findFirst().orElseThrow(), "both got the one build");
        assertTrue((outA + outB).contains("another process is building it; waiting for it"), outA + outB);
        assertEquals(List.of(), partials(root), "no partial folder left");
    }

    @Test
    void aBuilderKilledMidwayLeavesNoEntryAndDoesNotBlockTheNextBuild(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("cache");
        Path marker = dir.resolve("builds.txt");
        Process killed = child(root, marker, 600_000, dir.resolve("killed.out"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(marker) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(marker), "the child never started building: " + Files.readString(dir.resolve("killed.out")));
        killed.destroyForcibly().waitFor(60, TimeUnit.SECONDS);

        AtomicInteger builds = new AtomicInteger();
        byte[] got = new ArtefactCache(root, line -> { }).storeFor(Map.of("test", "race"))
                .getOrCompute("race", () -> {
                    builds.incrementAndGet();
                    return "rebuilt".getBytes(StandardCharsets.UTF_8);
                });
        assertEquals("rebuilt", new String(got, StandardCharsets.UTF_8));
        assertEquals(1, builds.get(), "the killed build left no entry: it was built again");
        assertEquals("rebuilt", new String(new ArtefactCache(root, line -> { }).storeFor(Map.of("test", "race"))
                .getOrCompute("race", () -> { throw new AssertionError("the rebuilt entry is valid"); }), StandardCharsets.UTF_8));
    }

    @Test
    void twoCellsOfOneRunAskingForTheSameModelTrainItOnce(@TempDir Path dir) throws Exception {
        ModelCache cache = new ModelCache(dir, line -> { });
        ModelSpec spec = ModelSpec.of("cnn-small", new ImageShape(1, 8, 8), 3, 4);
        AtomicInteger builds = new AtomicInteger();
        CountDownLatch bothAsked = new CountDownLatch(2);
        List<Thread> threads = new ArrayList<>();
        List<ModelCache.Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                bothAsked.countDown();
                outcomes.add(cache.getOrBuild("shared", Map.of(), () -> {
                    builds.incrementAndGet();
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return SdModel.create(spec, 1);
                }).outcome());
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(1, builds.get());
        assertEquals(List.of(ModelCache.Outcome.HIT, ModelCache.Outcome.MISS), outcomes.stream().sorted().toList());
    }

    private static List<Path> partials(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().contains(".partial-")).toList();
        }
    }
}
