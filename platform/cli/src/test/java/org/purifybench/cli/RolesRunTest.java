package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.PluginInfo;
import org.purifybench.core.results.ReportWriter;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/** The runner, the results and the report find baselines and the oracle by role, never by id. */
class RolesRunTest {
    private static final String DEFENSES = "defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]";
    private static final String EVALUATORS = "evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}},"
            + " {id: lmc, params: {points: 3}}]";

    /** An oracle under another id: declares the role, not the built-in's id. Returns the backdoored model (cheap). */
    public static final class RenamedOracle implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(Kind.DEFENSE, "my-oracle", "1.0", "an oracle by role", "", Set.of(), SpiVersion.CURRENT,
                    Role.ORACLE, List.of(), Set.of(), List.of());
        }

        @Override
        public Model purify(DefenseContext c) {
            return c.backdooredModel();
        }
    }

    private static MatrixSpec spec(String yaml, String name) throws Exception {
        var m = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        m.setAccessible(true);
        return (MatrixSpec) m.invoke(null, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), name);
    }

    private static PluginRegistry withRenamedOracle(Path folder) throws Exception {
        Path services = folder.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(Defense.class.getName()), RenamedOracle.class.getName() + "\n");
        return PluginRegistry.load(new URLClassLoader(new java.net.URL[] {folder.toUri().toURL()}, RolesRunTest.class.getClassLoader()));
    }

    @Test
    void aMatrixWithoutBaselinesGetsBothAndKeepsItsOwnNameAndConfig(@TempDir Path work) throws Exception {
        MatrixSpec spec = spec(MatrixRunnerTest.TINY.replace(DEFENSES, "defenses: [{id: ft, params: {epochs: 1}}]")
                .replace(EVALUATORS, "evaluators: [{id: accuracy}]"), "no-baselines");
        MatrixRunner.Outcome run = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(spec, MatrixRunnerTest.DATA, false);
        assertEquals(List.of("ft", "none", "clean"), run.document().getRows().stream().map(ResultRow::defense).distinct().toList(),
                "the runner adds the registered baselines after the matrix's own defenses");
        PluginInfo none = run.document().getPlugins().stream().filter(p -> p.id().equals("none")).findFirst().orElseThrow();
        assertEquals(Role.BACKDOORED_BASELINE, none.effectiveRole());
        assertEquals("BACKDOORED_BASELINE", none.role());
        assertEquals(List.of("c-acc", "asr", "r-acc"), run.document().getPlugins().stream().filter(p -> p.id().equals("accuracy"))
                .findFirst().orElseThrow().metrics(), "an evaluator's declared metrics are recorded");
        assertEquals(MatrixRunner.runId(spec), run.document().getRunId(), "the run is the matrix as written");
        assertEquals(MatrixRunner.runDir(work, spec), run.runDir());
        MatrixRunnerTest.assertValidAgainstSchema(run.resultsFile());
        String report = Files.readString(ReportWriter.write(run.document(), run.runDir()).get(0));
        String oBackdoor = report.lines().filter(l -> l.startsWith("| O-Backdoor |")).findFirst().orElseThrow();
        assertFalse(oBackdoor.contains("–"), "the added baseline fills the O-Backdoor row: " + oBackdoor);
    }

    @Test
    void aMatrixWhoseEvaluatorNeedsTheOracleIsRefusedBeforeAnyWorkNamingTheFix(@TempDir Path work) throws Exception {
        MatrixSpec spec = spec(MatrixRunnerTest.TINY.replace(DEFENSES, "defenses: [{id: none}, {id: ft, params: {epochs: 1}}]")
                .replace(EVALUATORS, "evaluators: [{id: accuracy}, {id: qra, params: {" + MatrixRunnerTest.QRA_PARAMS + "}}]"), "no-oracle");
        UserException e = assertThrows(UserException.class,
                () -> new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(spec, MatrixRunnerTest.DATA, false));
        assertTrue(e.getMessage().startsWith("evaluator 'qra{") && e.getMessage().contains("role ORACLE"), e.getMessage());
        assertTrue(e.fix().contains("{id: ep}"), e.fix());
        assertFalse(Files.exists(work.resolve("runs")) || Files.exists(work.resolve("cache")), "refused before any training");
        // the code's loss regularises with the clean model: no oracle needed, so not refused for it
        MatrixSpec code = spec(MatrixRunnerTest.TINY.replace(DEFENSES, "defenses: [{id: none}]").replace(EVALUATORS,
                "evaluators: [{id: qra, params: {loss: reference, " + MatrixRunnerTest.QRA_PARAMS + "}}]"), "code-loss");
        org.purifybench.core.run.Roles.prepare(code, PluginRegistry.fromClasspath(), line -> { });
    }

    @Test
    void anOracleUnderAnotherIdIsTheOracleInTheRunTheResultsAndTheReport(@TempDir Path dir) throws Exception {
        MatrixSpec spec = spec(MatrixRunnerTest.TINY.replace(DEFENSES, "defenses: [{id: none}, {id: my-oracle}, {id: ft, params: {epochs: 1}}]")
                .replace(EVALUATORS, "evaluators: [{id: accuracy}, {id: lmc, params: {points: 3}}]"), "renamed-oracle");
        MatrixRunner.Outcome run = new MatrixRunner(withRenamedOracle(dir.resolve("services")), DefaultHost.quiet(), dir.resolve("work"))
                .run(spec, MatrixRunnerTest.DATA, false);
        assertTrue(run.document().getCurves().stream().anyMatch(c -> c.defense().equals("ft") && c.name().equals("my-oracle-backdoor-error")),
                "lmc walks to the oracle it finds by role");
        PluginInfo oracle = run.document().getPlugins().stream().filter(p -> p.id().equals("my-oracle")).findFirst().orElseThrow();
        assertTrue(oracle.oracle() && !oracle.reference());
        assertEquals("ORACLE", oracle.role());
        String report = Files.readString(ReportWriter.write(run.document(), run.runDir()).get(0));
        assertTrue(report.contains("my-oracle (oracle) O-Robustness"), report);
        assertFalse(report.contains("ft (oracle)"), report);
        try (var figures = Files.list(run.runDir().resolve("figures"))) {
            assertTrue(figures.anyMatch(f -> f.getFileName().toString().startsWith("lmc-my-oracle-")),
                    "the purified-to-oracle figure, named after the oracle");
        }
    }
}
