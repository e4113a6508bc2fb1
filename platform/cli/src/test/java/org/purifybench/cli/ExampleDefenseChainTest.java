package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.spi.Kind;
import org.purifybench.spi.PluginDescriptor;

/**
 * The third-party chain, from the template project's sources: {@code submissions/example-defense}
 * compiled here against the SPI and ND4J's API alone, the annotation processor writing its descriptor
 * and services files (as its own {@code mvn verify} does), packed with its resources (golden results)
 * into a jar, then: dropped into a submissions
 * folder it is listed and runs in a matrix, and {@code purifybench verify} on it passes against the
 * golden results it carries, its defense in the sandbox. (The project's own Maven build and kit run in
 * {@code .ci/run}.)
 */
class ExampleDefenseChainTest {
    static final Path PROJECT = Path.of("../../submissions/example-defense");

    @TempDir
    static Path dir;
    static Path submissions;
    static Path jar;

    /** The CLI in this JVM with its output captured (PluginJarsCliTest.run). */
    private static Result run(String... args) {
        return PluginJarsCliTest.run(args);
    }

    @BeforeAll
    static void buildTheExampleJar() throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools)");
        Assumptions.assumeTrue(Files.isDirectory(PROJECT), "no " + PROJECT.toAbsolutePath());
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-processor", org.purifybench.processor.PluginProcessor.class.getName(), "--release", "17",
                "-d", classes.toString(), "-classpath",
                CodeFingerprint.locationOf(org.purifybench.spi.Defense.class) + java.io.File.pathSeparator
                        + CodeFingerprint.locationOf(org.nd4j.linalg.api.ndarray.INDArray.class) + java.io.File.pathSeparator
                        + CodeFingerprint.locationOf(org.purifybench.processor.PluginProcessor.class)));
        try (Stream<Path> s = Files.walk(PROJECT.resolve("src/main/java"))) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        assertEquals(0, javac.run(null, null, System.err, args.toArray(String[]::new)), "the example compiles against the SPI and nd4j-api");
        assertTrue(Files.isRegularFile(classes.resolve("META-INF/purifybench/plugin.properties")), "the processor wrote the descriptor file");
        submissions = Files.createDirectories(dir.resolve("submissions"));
        jar = submissions.resolve("example-defense.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            add(j, classes);
            add(j, PROJECT.resolve("src/main/resources"));
        }
    }

    private static void add(JarOutputStream j, Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            j.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
            j.write(Files.readAllBytes(f));
            j.closeEntry();
        }
    }

    private static void assumeSandbox() {
        try {
            Sandbox.requireSupported(PluginDescriptor.of(Kind.DEFENSE, "probe", "1", "probe", ""), jar);
        } catch (SandboxException e) {
            Assumptions.abort("the sandbox cannot be set up here: " + e.detail());
        }
    }

    @Test
    void droppedIntoSubmissionsItIsListed() {
        Result r = run("list", "--submissions", submissions.toString());
        assertEquals(0, r.code(), r.err());
        String line = r.out().lines().filter(l -> l.contains(" fine-pruning ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(line.contains(jar.toString()) && line.contains("[CLEAN_TUNING_DATA, VALIDATION_DATA]"), line);
    }

    @Test
    void droppedIntoSubmissionsItRunsInAMatrix() {
        assumeSandbox();
        Path spec = dir.resolve("with-fp.yaml");
        try {
            Files.writeString(spec, """
                    name: with-fp
                    dataset: {id: synthetic, path: null, trainLimit: 300, testLimit: 200}
                    splits: {tuningFraction: 0.05, validationFraction: 0.03, retuningPoolSize: 50}
                    model: {arch: cnn-small, width: 4}
                    training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
                    attacks: [{id: badnet}]
                    poisonRates: [0.1]
                    targetLabel: 0
                    defenses: [{id: none}, {id: fine-pruning, params: {epochs: 1}}]
                    evaluators: [{id: accuracy}]
                    seeds: [0]
                    """);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Path work = dir.resolve("run-work");
        Result r = run("--work-dir", work.toString(), "run", "--matrix", spec.toString(), "--quiet", "--submissions", submissions.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("sandbox: defense 'fine-pruning' finished (ok)"), "a jar defense runs in the sandbox:\n" + r.err());
        Path results = Path.of(r.out().lines().filter(l -> l.startsWith("results: ")).findFirst().orElseThrow().substring(9).trim());
        ResultsDocument doc = ResultsIO.read(results);
        assertEquals(3, doc.getRows().stream().filter(x -> x.defense().equals("fine-pruning")).count(), "c-acc, asr, r-acc");
        assertTrue(doc.getPlugins().stream().anyMatch(p -> p.id().equals("fine-pruning") && p.sha256() != null),
                "listed among the run's plug-ins, with its jar's SHA-256");
    }

    @Test
    void verifyPassesAgainstTheGoldenResultsItCarries() {
        assumeSandbox();
        Path work = dir.resolve("verify-work");
        Result r = run("--work-dir", work.toString(), "verify", jar.toString(), "--quiet");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("golden results: " + jar + "!META-INF/purifybench/golden.json"), r.out());
        assertTrue(r.out().contains("CONFORMANCE KIT (purify in the sandbox"), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.contains(" FAIL")), r.out());
        assertTrue(r.out().contains("verify: PASS - conformance kit 8/8 passed, metrics 16/16 within tolerance"), r.out());
        assertTrue(r.err().contains("sandbox: defense 'fine-pruning' finished (ok)"), r.err());
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("verify-")).toList(), "verify cleans up after itself");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        // a golden value that no longer holds fails the check, with exit code 1 (the matrix and kit are the same run's)
        Path golden = dir.resolve("changed-golden.json");
        Golden g = Golden.read(PROJECT.resolve("src/main/resources/META-INF/purifybench/golden.json"));
        List<Golden.Metric> changed = new ArrayList<>(g.metrics());
        Golden.Metric asr = changed.stream().filter(x -> x.defense().equals("fine-pruning") && x.metric().equals("asr")).findFirst().orElseThrow();
        changed.set(changed.indexOf(asr), new Golden.Metric(asr.defense(), asr.evaluator(), asr.metric(), asr.value() + 0.5));
        new Golden(g.format(), g.defense(), g.defenseVersion(), g.params(), g.dataset(), g.matrix(), g.tolerance(), g.tolerances(),
                g.writtenOn(), changed).write(golden);
        Result bad = run("--work-dir", work.toString(), "verify", jar.toString(), "--quiet", "--golden", golden.toString());
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().lines().anyMatch(l -> l.matches("\\s*fine-pruning\\s+accuracy\\s+asr\\s.*-0\\.5000\\s+0\\.0200\\s+FAIL")), bad.out());
        assertTrue(bad.out().contains("verify: FAIL - conformance kit 8/8 passed, metrics 15/16 within tolerance"), bad.out());
    }
}
