package org.purifybench.core.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Progress;
import org.purifybench.spi.Trainer;

/**
 * A matrix with jar defenses: the benign ones run in the sandbox and their units are journaled (one
 * of them hostile as soon as it is loaded: its code never runs in the harness); the failing one fails
 * there, its units are left out and recorded as its failure, and the run still writes its results.
 */
class SandboxMatrixTest {
    static final String SPEC = """
            name: sandboxed
            dataset: {id: synthetic, path: null, trainLimit: 0, testLimit: 0}
            splits: {tuningFraction: 0.2, validationFraction: 0.1, retuningPoolSize: 20}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: tiny-patch}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: [{id: none}, {id: fine-tune, params: {epochs: 1}}, {id: exit-early}, {id: hostile}]
            evaluators: [{id: accuracy-probe}]
            seeds: [0]
            """;

    @Test
    void aFailingSandboxedDefenseFailsOnlyItsUnits(@TempDir Path dir) throws Exception {
        String why = Confinement.unavailableReason();
        Assumptions.assumeTrue(why == null, "the sandbox cannot be set up here: " + why);
        Files.deleteIfExists(SandboxFixtures.HOSTILE_MARKER);
        System.clearProperty(SandboxFixtures.HOSTILE_PROPERTY);
        // the attack and the evaluator are trusted built-ins (a jar may hold defenses only)
        ClassLoader builtIns = SandboxFixtures.builtIns(dir.resolve("builtin"), "TinyPatch", "AccuracyProbe");
        Path jar = SandboxFixtures.jar(dir.resolve("submissions/fixtures.jar"), "None", "FineTune", "ExitEarly", "Hostile");
        PluginRegistry registry = PluginRegistry.load(builtIns, List.of(jar)).requireNoRefused();
        Path specFile = Files.writeString(dir.resolve("sandboxed.yaml"), SPEC);
        MatrixSpec spec = MatrixSpec.load(specFile);
        Dataset data = SyntheticImages.generate(new ImageShape(1, 12, 12), 4, 300, 80, 11);
        Path work = dir.resolve("work");

        List<String> log = Collections.synchronizedList(new ArrayList<>());
        UserException e = assertThrows(UserException.class, () -> new MatrixRunner(registry, host(log), work).run(spec, data, false));
        assertTrue(e.getMessage().startsWith("1 unit(s) of the matrix failed (first: "), e.getMessage());
        assertTrue(e.getMessage().contains("defense 'exit-early' (all evaluators), invalid-output"), e.getMessage());
        assertTrue(log.stream().anyMatch(l -> l.contains("defense 'fine-tune' finished (ok)")), String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("failed ") && l.contains("exit-early") && l.contains(jar.toString())));
        Path runDir = work.resolve("runs").resolve(MatrixRunner.runId(spec));
        ResultsDocument doc = ResultsIO.read(runDir.resolve("results.json"));
        assertEquals(List.of("none", "fine-tune", "hostile"), doc.getRows().stream().map(r -> r.defense()).distinct().toList(),
                "only the benign defenses' rows");
        // the failure is on the record: status, reason and what the sandbox logged while the job ran
        assertEquals(1, doc.getFailures().size(), doc.getFailures().toString());
        FailedUnit failed = doc.getFailures().get(0);
        assertEquals(doc.getCells().get(0).cellId(), failed.cellId());
        assertEquals("exit-early", failed.defense());
        assertEquals(null, failed.evaluator(), "the defense failed: none of its evaluators ran");
        assertEquals(FailedUnit.Status.INVALID_OUTPUT, failed.status());
        assertTrue(failed.reason().contains("defense 'exit-early' from " + jar), failed.reason());
        assertTrue(failed.logTail().stream().anyMatch(l -> l.startsWith("sandbox: running defense 'exit-early'")), failed.logTail().toString());
        assertFalse(failed.logTail().stream().anyMatch(l -> l.contains("'fine-tune'") || l.contains("'hostile'")),
                "only the failed job's lines: " + failed.logTail());
        assertEquals(3, Files.readAllLines(runDir.resolve("journal.jsonl")).size());
        // the hostile defense's result was computed from the child's model, and none of its code ran in this JVM
        assertTrue(log.stream().anyMatch(l -> l.contains("defense 'hostile' finished (ok)")), String.join("\n", log));
        assertEquals(null, System.getProperty(SandboxFixtures.HOSTILE_PROPERTY), "the hostile class ran in the harness");
        assertFalse(Files.exists(SandboxFixtures.HOSTILE_MARKER), "the hostile class wrote its marker in the harness's file system");
        assertTrue(log.stream().anyMatch(l -> l.contains("[sandbox] hostile: cannot write the marker from static initialiser")),
                "control: it did run in the child, which could not reach the harness's file: " + String.join("\n", log));

        // the next run keeps the finished unit (no child for fine-tune) and tries the failed one again
        log.clear();
        assertThrows(UserException.class, () -> new MatrixRunner(registry, host(log), work).run(spec, data, false));
        assertFalse(log.stream().anyMatch(l -> l.contains("running defense 'fine-tune'") || l.contains("running defense 'none'")),
                String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.contains("running defense 'exit-early'")));
        assertEquals(3, Files.readAllLines(runDir.resolve("journal.jsonl")).size());
    }

    private static Host host(List<String> log) {
        org.purifybench.core.host.DefaultHost quiet = org.purifybench.core.host.DefaultHost.quiet();
        return new Host() {
            @Override
            public Trainer trainer() {
                return quiet.trainer();
            }

            @Override
            public Progress progress(String phase, long total) {
                return quiet.progress(phase, total);
            }

            @Override
            public void log(String message) {
                log.add(message);
                System.err.println(message);
            }
        };
    }
}
