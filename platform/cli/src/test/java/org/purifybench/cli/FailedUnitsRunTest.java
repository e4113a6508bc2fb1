package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunLog;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Defense;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;

/**
 * Runs in which built-in plug-ins fail: a defense that throws, an evaluator that throws, an
 * evaluator that needs the failed defense's model, an attack that throws. The run goes on, writes results.json with each
 * failure (valid against the schema), the report with its "Failed units", and run.log with the whole
 * console; it ends with an error, and the next run retries the failed units and keeps the others.
 */
class FailedUnitsRunTest {
    static final String SPEC = """
            name: failing
            dataset: {id: synthetic, path: null, trainLimit: 600, testLimit: 100}
            splits: {tuningFraction: 0.1, validationFraction: 0.05, retuningPoolSize: 40}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: badnet}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: [{id: none}, {id: explode}, {id: ft, params: {epochs: 1}}]
            evaluators: [{id: accuracy}, {id: broken}]
            seeds: [0]
            """;
    static final AtomicInteger EXPLOSIONS = new AtomicInteger();

    /** A built-in defense that logs a line and throws. */
    public static final class Explode implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.DEFENSE, "explode", "1.0", "throws on purpose", "");
        }

        @Override
        public Model purify(DefenseContext c) {
            EXPLOSIONS.incrementAndGet();
            c.host().log("explode: about to fail");
            throw new IllegalStateException("explode refuses to purify");
        }
    }

    /** Asks for the exploding defense's model when evaluating none; throws for any other defense. */
    public static final class Broken implements Evaluator {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.EVALUATOR, "broken", "1.0", "fails on purpose", "");
        }

        @Override
        public EvaluationResult evaluate(EvaluationContext c) {
            if (c.defenseName().equals("none")) {
                c.purifiedModelOf("explode");
                return new EvaluationResult().metric("unreachable", 0);
            }
            throw new IllegalArgumentException("broken on purpose for " + c.defenseName());
        }
    }

    static final AtomicInteger PREPARES = new AtomicInteger();

    /** An attack that cannot make its trigger. */
    public static final class NoTrigger implements Attack {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.ATTACK, "no-trigger", "1.0", "fails on purpose", "");
        }

        @Override
        public Backdoor prepare(AttackContext c) {
            PREPARES.incrementAndGet();
            throw new IllegalStateException("no trigger today");
        }
    }

    @Test
    void aCellWhoseAttackFailsRecordsEachUnitWithTheAttacksReasonAndTriesTheAttackOnce(@TempDir Path dir) throws Exception {
        PREPARES.set(0);
        PluginRegistry registry = registry(dir.resolve("services"));
        MatrixSpec spec = MatrixSpec.load(Files.writeString(dir.resolve("failing.yaml"), SPEC.replace("{id: badnet}", "{id: no-trigger}")
                .replace("{id: none}, {id: explode}, {id: ft, params: {epochs: 1}}", "{id: none}")));
        Path work = dir.resolve("work");
        assertThrows(MatrixRunner.UnitsFailedException.class, () -> RunSupport.runAndReport(spec, registry, work, options(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        ResultsDocument doc = ResultsIO.read(MatrixRunner.runDir(work, spec).resolve("results.json"));
        assertEquals(List.of("none|accuracy", "none|broken"), doc.getFailures().stream().map(f -> f.defense() + "|" + f.evaluator()).toList());
        for (FailedUnit f : doc.getFailures()) {
            assertEquals(FailedUnit.Status.ERROR, f.status());
            assertEquals("attack 'no-trigger' (its trigger) could not be made: java.lang.IllegalStateException: no trigger today", f.reason());
        }
        assertEquals(1, PREPARES.get(), "what failed in a run is not tried again in it");
        assertEquals(List.of(), doc.getRows());
    }

    @Test
    void failedUnitsAreInTheResultsTheReportAndTheRunLog(@TempDir Path dir) throws Exception {
        EXPLOSIONS.set(0);
        PluginRegistry registry = registry(dir.resolve("services"));
        MatrixSpec spec = MatrixSpec.load(Files.writeString(dir.resolve("failing.yaml"), SPEC));
        Path work = dir.resolve("work");
        Path runDir = MatrixRunner.runDir(work, spec);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        MatrixRunner.UnitsFailedException e = assertThrows(MatrixRunner.UnitsFailedException.class, () -> RunSupport.runAndReport(
                spec, registry, work, options(), new PrintStream(printed, true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("3 unit(s) of the matrix failed"), e.getMessage());
        assertEquals(1, EXPLOSIONS.get(), "a failed defense is tried once per cell, however many units need it");

        // results.json: the finished units' rows and every failure, valid against the schema
        Path results = runDir.resolve("results.json");
        MatrixRunnerTest.assertValidAgainstSchema(results);
        ResultsDocument doc = ResultsIO.read(results);
        assertEquals(2, doc.getSchemaVersion());
        String cell = doc.getCells().get(0).cellId();
        Map<String, FailedUnit> byUnit = doc.getFailures().stream()
                .collect(Collectors.toMap(f -> f.defense() + "|" + f.evaluator(), f -> f));
        assertEquals(java.util.Set.of("none|broken", "explode|null", "ft|broken"), byUnit.keySet(), doc.getFailures().toString());

        FailedUnit defense = byUnit.get("explode|null");
        assertEquals(cell, defense.cellId());
        assertEquals(FailedUnit.Status.ERROR, defense.status());
        assertEquals("defense 'explode' threw java.lang.IllegalStateException: explode refuses to purify", defense.reason());
        assertTrue(defense.logTail().contains("explode: about to fail"), "what the defense logged: " + defense.logTail());
        assertTrue(defense.logTail().stream().anyMatch(l -> l.contains("at " + Explode.class.getName() + ".purify(")),
                "and where it threw: " + defense.logTail());

        FailedUnit needs = byUnit.get("none|broken");
        assertEquals(FailedUnit.Status.ERROR, needs.status());
        assertTrue(needs.reason().startsWith("evaluator 'broken' needs the model of defense 'explode', which failed: defense 'explode'"
                + " threw"), needs.reason());
        FailedUnit evaluator = byUnit.get("ft|broken");
        assertEquals("evaluator 'broken' threw java.lang.IllegalArgumentException: broken on purpose for ft", evaluator.reason());

        assertEquals(List.of("none|accuracy", "ft|accuracy"), doc.getRows().stream().map(r -> r.defense() + "|" + r.evaluator())
                .distinct().toList(), "the units that finished have their rows, the failed ones none");

        // the report lists them
        String report = Files.readString(runDir.resolve("report.md"));
        assertTrue(report.contains("## Failed units\n\n3 unit(s) produced no results"), report);
        assertTrue(report.contains("| " + cell + " | explode | (the defense failed) | error | defense 'explode' threw"),
                report);
        assertTrue(Files.readString(runDir.resolve("report.html")).contains("Failed units"));

        // run.log: a header, what the host logged, what the command printed, and the error it ended with
        String log = Files.readString(runDir.resolve(RunLog.FILE));
        List<String> lines = log.lines().toList();
        assertTrue(lines.get(0).matches("=== \\d{4}-\\d\\d-\\d\\dT\\S+Z purifybench \\S+ run " + MatrixRunner.runId(spec) + " ==="),
                lines.get(0));
        assertTrue(log.contains("purifybench: running profile 'failing'"), log);
        assertTrue(log.contains("explode: about to fail\n"), log);
        assertTrue(log.contains("failed " + cell + "|explode|* (error): defense 'explode' threw"), log);
        assertTrue(log.contains("  at " + Explode.class.getName() + ".purify("), "the stack of a built-in's failure: " + log);
        assertTrue(log.contains("done " + cell + "|none|accuracy:"), log);
        assertTrue(log.contains("## Failed units"), "the report the command printed: " + log);
        assertTrue(lines.get(lines.size() - 1).startsWith("error: 3 unit(s) of the matrix failed"), lines.get(lines.size() - 1));
        String console = printed.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("## Failed units") && console.contains("log:     " + runDir.resolve(RunLog.FILE)), console);

        // a resumed run: the log is appended to, the finished units are kept, the failed ones tried again
        assertThrows(MatrixRunner.UnitsFailedException.class, () -> RunSupport.runAndReport(spec, registry, work, options(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertEquals(2, EXPLOSIONS.get(), "the failed defense is tried again");
        String again = Files.readString(runDir.resolve(RunLog.FILE));
        assertTrue(again.startsWith(log), "appended, not replaced");
        assertEquals(2, again.lines().filter(l -> l.startsWith(RunLog.HEADER)).count(), again);
        assertTrue(again.substring(log.length()).contains("resuming " + MatrixRunner.runId(spec) + ": 2 evaluation units already done"),
                again.substring(log.length()));
        assertEquals(3, ResultsIO.read(results).getFailures().size());
        assertFalse(Files.readString(runDir.resolve("journal.jsonl")).contains("explode"), "failed units are never journaled");
    }

    @Test
    void theReportCommandReadsVersion2FailuresAndVersion1Documents(@TempDir Path dir) throws Exception {
        ResultsDocument doc = new ResultsDocument();
        doc.setRunId("by-hand");
        doc.setProfile("quick");
        doc.setFailures(List.of(new FailedUnit("c1", "my-defense", null, FailedUnit.Status.TIMEOUT,
                "defense 'my-defense' timed out in the sandbox: killed after 60 s", List.of("  [sandbox] epoch 1"))));
        Path file = dir.resolve("run/results.json");
        ResultsIO.write(doc, file);
        assertEquals(0, PurifyBench.execute("--work-dir", dir.toString(), "report", file.toString()));
        String report = Files.readString(dir.resolve("run/report.md"));
        assertTrue(report.contains("| c1 | my-defense | (the defense failed) | timeout | defense 'my-defense' timed out"), report);

        // a results.json written before failures were recorded
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) ResultsIO.mapper().readTree(file.toFile());
        tree.put("schemaVersion", 1);
        tree.remove("failures");
        ResultsIO.mapper().writeValue(file.toFile(), tree);
        assertFalse(Files.readString(file).contains("failures"));
        assertEquals(0, PurifyBench.execute("--work-dir", dir.toString(), "report", file.toString()));
        assertTrue(Files.readString(dir.resolve("run/report.md")).contains("## Failed units\n\nnot recorded (this results file has"
                + " schemaVersion 1"));
    }

    private static RunOptions options() {
        RunOptions o = new RunOptions();
        o.quiet = true;
        return o;
    }

    /** The built-in plug-ins plus the two failing ones above, registered as built-ins are: a services entry. */
    private static PluginRegistry registry(Path folder) throws Exception {
        Path services = folder.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(Defense.class.getName()), Explode.class.getName() + "\n");
        Files.writeString(services.resolve(Evaluator.class.getName()), Broken.class.getName() + "\n");
        Files.writeString(services.resolve(Attack.class.getName()), NoTrigger.class.getName() + "\n");
        return PluginRegistry.load(new URLClassLoader(new java.net.URL[] {folder.toUri().toURL()}, FailedUnitsRunTest.class.getClassLoader()));
    }
}
