package org.purifybench.core.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.run.Contexts;
import org.purifybench.spi.Defense;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;

/** End-to-end: third-party defenses run in the sandbox, benign and hostile. Each test starts one child JVM or a few. */
class SandboxTest {
    static final ModelSpec SPEC = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 12, 12), 4, 4);
    /** Heap 256 MB, direct buffers 128 MB, ND4J 512 MB (1 GB resident), 4 GB of address space (the JVM alone reserves ~2.7 GB). */
    static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(120), 240, 256L << 20, 128L << 20, 512L << 20,
            1L << 30, 4L << 30, 64L << 20, 512);
    static Path dir;
    static Path jar;
    static PluginRegistry registry;
    static SdModel backdoored;
    static LabeledImages tuning;
    static LabeledImages validation;

    @BeforeAll
    static void setUp() throws Exception {
        String why = Confinement.unavailableReason();
        Assumptions.assumeTrue(why == null, "the sandbox cannot be set up here: " + why);
        dir = Files.createTempDirectory("purifybench-sandbox-test");
        jar = SandboxFixtures.jar(dir.resolve("submissions/fixtures.jar"), "FineTune", "NetProbe", "FileWrite", "FileRead", "ExitEarly",
                "Spin", "ThreadBomb", "HeapHog", "OffHeapHog", "Forker", "NanModel", "ForeignModel", "ForgeOutput", "Diagnose", "DiagnoseFlood",
                "DiagnoseForge");
        registry = PluginRegistry.load(ClassLoader.getPlatformClassLoader(), List.of(jar)).requireNoRefused();
        Dataset data = SyntheticImages.generate(SPEC.shape(), SPEC.numClasses(), 120, 40, 3);
        tuning = data.train().range(0, 80);
        validation = data.train().range(80, 120);
        backdoored = SdModel.create(SPEC, 7);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (dir != null) {
            if (!Boolean.getBoolean("sandbox.keep")) {
                SandboxFixtures.deleteTree(dir);
            }
        }
    }

    static Path work() {
        return dir.resolve("work");
    }

    static Sandbox sandbox(SandboxLimits limits, List<String> log) {
        return new Sandbox(work().resolve("sandbox"), limits, List.of(work()), line -> {
            log.add(line);
            System.err.println(line);
        }).keepJobs(Boolean.getBoolean("sandbox.keep"));
    }

    static SdModel run(String simpleName, Map<String, Object> params, SandboxLimits limits, List<String> log) {
        Defense d = registry.defense(SandboxFixtures.id(simpleName));
        return (SdModel) sandbox(limits, log).purify(jar, d.descriptor(), backdoored, tuning, validation, () -> null, 5, new Params(params));
    }

    static SandboxException fails(String simpleName, Map<String, Object> params, SandboxLimits limits, List<String> log) {
        long t = System.nanoTime();
        SandboxException e = assertThrows(SandboxException.class, () -> run(simpleName, params, limits, log));
        System.err.printf("%s: %s after %.1f s: %s%n", simpleName, e.status(), (System.nanoTime() - t) / 1e9, e.oneLine());
        return e;
    }

    @Test
    void benignDefenseGivesTheSameModelAsInProcess() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Map<String, Object> params = Map.of("epochs", 1);
        long t = System.nanoTime();
        Defense d = registry.defense("fine-tune");
        Sandbox.Purification p = sandbox(LIMITS, log).purification(jar, d.descriptor(), backdoored, tuning, validation, () -> null, 5,
                new Params(params));
        SdModel sandboxed = (SdModel) p.model();
        System.err.printf("sandboxed fine-tune: %.1f s%n", (System.nanoTime() - t) / 1e9);
        assertTrue(p.seconds() > 0);
        // the real class, loaded as the child loads it (here in the test JVM: the registry holds a stand-in that cannot purify)
        Defense real = org.purifybench.core.plugin.SandboxedLoading.defense(jar, "fine-tune", org.purifybench.core.plugin.JarLimits.DEFAULTS).defense();
        Model inProcess = real.purify(Contexts.defense(d.descriptor(), new Contexts.DefenseInputs(backdoored, tuning, validation, null, () -> null),
                5, new Params(params), DefaultHost.quiet()));
        assertEquals(SPEC, sandboxed.spec());
        assertTrue(!java.util.Arrays.equals(backdoored.flatParameters().toFloatVector(), sandboxed.flatParameters().toFloatVector()),
                "the defense changed the model");
        assertArrayEquals(inProcess.flatParameters().toFloatVector(), sandboxed.flatParameters().toFloatVector());
        inProcess.state().forEach((k, v) -> assertArrayEquals(v.dup().data().asFloat(), sandboxed.state().get(k).dup().data().asFloat(), k));
        assertTrue(log.stream().anyMatch(l -> l.contains("fine-tune: validation accuracy")), "the child's log reaches the parent");
        assertTrue(Files.notExists(work().resolve("sandbox")) || isEmpty(work().resolve("sandbox")), "the job folder is removed");
    }

    @Test
    void theDefensesDiagnosticsComeBackCheckedAndAnythingElseIsIgnored() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Sandbox.Purification p = sandbox(LIMITS, log).purification(jar, registry.defense("diagnose").descriptor(), backdoored, tuning,
                validation, () -> null, 5, new Params(Map.of()));
        assertEquals(Map.of("inverted-target", 3.0, "inverted-target-share", 0.75), p.diagnostics());
        for (String flood : List.of("diagnose-flood", "diagnose-forge")) {
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            Sandbox.Purification q = sandbox(LIMITS, lines).purification(jar, registry.defense(flood).descriptor(), backdoored, tuning,
                    validation, () -> null, 5, new Params(Map.of()));
            assertEquals(Map.of(), q.diagnostics(), flood);
            assertEquals(SPEC, q.model().spec(), "the model is kept: " + flood);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("sandbox: the diagnostics of defense '" + flood + "' are ignored: ")),
                    String.join("\n", lines));
            assertTrue(lines.stream().noneMatch(l -> l.contains("rm -rf")), "the jar's text is not shown");
        }
    }

    /**
     * A withheld declared need is neither offered nor in the job folder: the job fails when the defense
     * uses it. This is how the conformance kit sees a need's use without trusting a report of the child.
     */
    @Test
    void aWithheldNeedIsNotOfferedSoADefenseThatUsesItFails() {
        Defense d = registry.defense("fine-tune");
        for (org.purifybench.spi.Need n : List.of(org.purifybench.spi.Need.CLEAN_TUNING_DATA, org.purifybench.spi.Need.VALIDATION_DATA)) {
            SandboxException e = assertThrows(SandboxException.class, () -> sandbox(LIMITS, new ArrayList<>()).purification(jar,
                    d.descriptor(), backdoored, tuning, validation, () -> null, 5, new Params(Map.of("epochs", 1)), java.util.Set.of(n)));
            assertEquals(SandboxStatus.FAILED, e.status(), n + ": " + e.detail());
        }
    }

    // ---- hostile defenses: each is contained, reported with its status, and leaves no trace ----

    @Test
    void aDescriptorThatDisagreesWithTheFileFailsTheJobBeforePurify() throws Exception {
        // the file declares fewer needs than the class's descriptor(): the harness honours the file, the child refuses the class
        Path liar = SandboxFixtures.jar(dir.resolve("liar/fixtures.jar"),
                d -> d.replace("fine-tune.needs = CLEAN_TUNING_DATA, VALIDATION_DATA", "fine-tune.needs = CLEAN_TUNING_DATA"), "FineTune");
        PluginRegistry r = PluginRegistry.load(ClassLoader.getPlatformClassLoader(), List.of(liar)).requireNoRefused();
        Defense d = r.defense("fine-tune");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox(LIMITS, log).purify(liar, d.descriptor(), backdoored, tuning,
                validation, () -> null, 5, new Params(Map.of("epochs", 1))));
        assertEquals(SandboxStatus.DESCRIPTOR_MISMATCH, e.status());
        assertTrue(e.detail().contains("com.example.sbx.FineTune: descriptor() says needs CLEAN_TUNING_DATA, VALIDATION_DATA,"
                + " plugin.properties says defense.fine-tune.needs = CLEAN_TUNING_DATA") && e.detail().contains("make them agree"), e.detail());
        assertTrue(e.getMessage().contains("descriptor() disagrees with its plugin.properties"), e.getMessage());
        assertTrue(e.fix().contains("make the class's descriptor() and the jar's META-INF/purifybench/plugin.properties agree"), e.fix());
    }

    @Test
    void networkIsUnreachable() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (java.net.Socket probe = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                // the harness itself can connect: the listener works
            }
            long deadline = System.currentTimeMillis() + 5000;
            while (accepted.get() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, accepted.get());
            String targets = "127.0.0.1:" + server.getLocalPort() + ",1.1.1.1:53,93.184.215.14:80";
            SandboxException e = fails("NetProbe", Map.of("targets", targets), LIMITS, new ArrayList<>());
            assertEquals(SandboxStatus.FAILED, e.status());
            assertTrue(e.detail().contains("127.0.0.1:" + server.getLocalPort() + "=SocketException(Network is unreachable"), e.detail());
            assertTrue(e.detail().contains("1.1.1.1:53=SocketException(Network is unreachable"), e.detail());
            assertTrue(!e.detail().contains("CONNECTED"), e.detail());
            Thread.sleep(200);
            assertEquals(1, accepted.get(), "no connection from the sandbox reached the harness's listener");
            assertTrue(e.getMessage().contains(jar.toString()), "the message names the jar");
        }
    }

    @Test
    void writesOutsideTheScratchFolderFail() throws Exception {
        String nonce = Long.toHexString(System.nanoTime());
        Files.createDirectories(work());
        Path tmp = Path.of("/tmp/pwned-" + nonce);
        Path inWork = work().resolve("pwned-" + nonce);
        Path besideJar = jar.resolveSibling("pwned-" + nonce + ".jar");
        String paths = String.join(",", tmp.toString(), inWork.toString(), besideJar.toString(), "/pwned-" + nonce, "/out/allowed-" + nonce);
        SandboxException e = fails("FileWrite", Map.of("paths", paths), LIMITS, new ArrayList<>());
        assertEquals(SandboxStatus.FAILED, e.status());
        assertTrue(e.detail().contains("/out/allowed-" + nonce + "=WRITTEN"), "the scratch folder is writable: " + e.detail());
        for (Path p : List.of(tmp, inWork, besideJar, Path.of("/pwned-" + nonce))) {
            assertTrue(e.detail().contains(p + "=") && !e.detail().contains(p + "=WRITTEN"), e.detail());
            assertTrue(Files.notExists(p), p + " must not exist on the host");
        }
    }

    @Test
    void testDataAndTheWorkFolderAreInvisible() throws Exception {
        Path fashionTest = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Path planted = Files.createDirectories(work().resolve("cache")).resolve("test-data.bin");
        Files.write(planted, new byte[] {1, 2, 3});
        List<String> paths = new ArrayList<>(List.of(planted.toString(), "/etc/shadow", jar.toString()));
        if (Files.isReadable(fashionTest)) {
            paths.add(0, fashionTest.toString());
        }
        SandboxException e = fails("FileRead", Map.of("paths", String.join(",", paths)), LIMITS, new ArrayList<>());
        assertEquals(SandboxStatus.FAILED, e.status());
        for (String p : paths) {
            assertTrue(e.detail().contains(p + "=") && !e.detail().contains(p + "=READ"), e.detail());
        }
        assertTrue(e.detail().contains("; ls /usr/share/datasets: ;"), "the dataset folder is empty inside: " + e.detail());
        assertTrue(e.detail().contains("; ls /tmp: ;"), "the host's /tmp is not there: " + e.detail());
        assertTrue(Files.exists(planted));
    }

    @Test
    void systemExitWithoutOutputIsInvalidOutput() {
        SandboxException e = fails("ExitEarly", Map.of(), LIMITS, new ArrayList<>());
        assertEquals(SandboxStatus.INVALID_OUTPUT, e.status());
        assertTrue(e.detail().contains("without a model") && e.detail().contains("System.exit"), e.detail());
    }

    @Test
    void endlessLoopTimesOut() {
        long t = System.nanoTime();
        SandboxException e = fails("Spin", Map.of(), LIMITS.withWall(Duration.ofSeconds(12)), new ArrayList<>());
        double seconds = (System.nanoTime() - t) / 1e9;
        assertEquals(SandboxStatus.TIMEOUT, e.status());
        assertTrue(seconds < 40, "killed soon after the limit: " + seconds);
        SandboxException cpu = fails("Spin", Map.of(), LIMITS.withCpuSeconds(8), new ArrayList<>());
        assertEquals(SandboxStatus.TIMEOUT, cpu.status());
        assertTrue(cpu.detail().contains("CPU-time limit"), cpu.detail());
    }

    @Test
    void threadBombStopsAtTheTaskLimit() {
        SandboxException e = fails("ThreadBomb", Map.of(), LIMITS, new ArrayList<>());
        assertTrue(e.detail().contains("unable to create native thread"), e.detail());
    }

    /**
     * Two jobs at once: one holds every task its limit allows; the other must still start its JVM and
     * finish (with one uid for all jobs, the first used up the task limit of both).
     */
    @Test
    void aThreadBombDoesNotStarveAJobRunningBesideIt() throws Exception {
        List<String> bombLog = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Object> bomb = pool.submit(() -> run("ThreadBomb", Map.of("hold", 300), LIMITS, bombLog));
            long deadline = System.nanoTime() + 100_000_000_000L;
            while (new ArrayList<>(bombLog).stream().noneMatch(l -> l.contains("threads: limit reached")) && !bomb.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(new ArrayList<>(bombLog).stream().anyMatch(l -> l.contains("threads: limit reached")) && !bomb.isDone(),
                    "the bomb holds its tasks while the other job runs: " + String.join("\n", new ArrayList<>(bombLog)));
            List<String> log = Collections.synchronizedList(new ArrayList<>());
            SdModel m = run("FineTune", Map.of("epochs", 1), LIMITS, log);
            assertEquals(SPEC, m.spec());
            assertTrue(!bomb.isDone(), "the bomb was still holding its tasks when the other job finished");
            String uidOf = new ArrayList<>(bombLog).stream().filter(l -> l.contains(" as uid ")).findFirst().orElseThrow();
            String uidOther = new ArrayList<>(log).stream().filter(l -> l.contains(" as uid ")).findFirst().orElseThrow();
            assertTrue(!uidOf.substring(uidOf.indexOf(" as uid ")).equals(uidOther.substring(uidOther.indexOf(" as uid "))),
                    "two jobs, two uids: " + uidOf + " / " + uidOther);
        } finally {
            // Stops the bomb's job: its launch is interrupted and kills the sandbox.
            pool.shutdownNow();
        }
    }

    @Test
    void unboundedHeapIsKilledForMemory() {
        SandboxException e = fails("HeapHog", Map.of(), LIMITS, new ArrayList<>());
        assertEquals(SandboxStatus.MEMORY, e.status());
    }

    @Test
    void unboundedOffHeapIsKilledForMemory() {
        for (String how : List.of("nd4j", "direct", "unsafe")) {
            SandboxException e = fails("OffHeapHog", Map.of("how", how), LIMITS, new ArrayList<>());
            assertEquals(SandboxStatus.MEMORY, e.status(), how + ": " + e.detail());
        }
    }

    @Test
    void forkedProcessesLeaveNoTraceAndDieWithTheJob() throws Exception {
        String nonce = String.valueOf(100000 + new java.util.Random().nextInt(800000));
        Path touched = Path.of("/tmp/forked-" + nonce);
        String sleep = "987." + nonce;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        SdModel m = run("Forker", Map.of("touch", touched.toString(), "sleep", sleep), LIMITS, log);
        assertEquals(SPEC, m.spec());
        assertTrue(log.stream().anyMatch(l -> l.contains("fork: touch exited 1") && l.contains("Read-only file system")), String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.contains("fork: sleep started")), String.join("\n", log));
        assertTrue(Files.notExists(touched), "the forked shell's file must not exist on the host");
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().arguments().map(a -> List.of(a).contains(sleep)).orElse(false)),
                "the forked sleep is gone with the job");
    }

    @Test
    void nonFiniteOrForeignOrForgedModelsAreInvalidOutput() {
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("NanModel", Map.of());
        cases.put("ForeignModel", Map.of());
        cases.put("ForgeOutput", Map.of("how", "garbage"));
        cases.put("ForgeOutput/symlink", Map.of("how", "symlink", "target", "/etc/passwd"));
        cases.put("ForgeOutput/other-arch", Map.of("how", "other-arch"));
        Map<String, String> expected = Map.of("NanModel", "non-finite", "ForeignModel", "not the context's model",
                "ForgeOutput", "not a sandbox model file", "ForgeOutput/symlink", "without a model", "ForgeOutput/other-arch", "another architecture");
        cases.forEach((name, params) -> {
            SandboxException e = fails(name.split("/")[0], params, LIMITS, new ArrayList<>());
            assertEquals(SandboxStatus.INVALID_OUTPUT, e.status(), name + ": " + e.detail());
            assertTrue(e.detail().contains(expected.get(name)), name + ": " + e.detail());
        });
    }

    static boolean isEmpty(Path d) {
        try (var s = Files.list(d)) {
            return s.findAny().isEmpty();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
