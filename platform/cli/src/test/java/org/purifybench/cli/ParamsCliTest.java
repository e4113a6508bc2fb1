package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.run.MatrixParams;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Host;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Progress;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;
import org.purifybench.spi.Trainer;

/** Typed parameters from the command line's side: refused before any work, listed by {@code list --params}. */
class ParamsCliTest {
    /** An evaluator that declares its parameters, found through a services file only the tests' registry sees. */
    @PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "probe", version = "1.0.0", description = "reads its parameters",
            params = {
                @Param(name = "epochs", type = ParamType.INT, defaultValue = "5", min = 1, description = "passes"),
                @Param(name = "poison-count", type = ParamType.INT, defaultValue = "5", min = 0, perAttack = true,
                        description = "poisoned images per attack")
            })
    public static final class Probe implements Evaluator {
        @Override
        public EvaluationResult evaluate(EvaluationContext ctx) {
            return new EvaluationResult().metric("epochs", ctx.params().getInt("epochs", -1))
                    .metric("poison-count", ctx.params().getInt("poison-count", -1));
        }
    }

    /** The built-in plug-ins plus {@link Probe}. */
    static PluginRegistry withProbe(Path dir) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(Evaluator.class.getName()), Probe.class.getName() + "\n");
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ParamsCliTest.class.getClassLoader());
        return PluginRegistry.load(loader);
    }

    static MatrixSpec parse(String yaml) throws Exception {
        var m = MatrixSpec.class.getDeclaredMethod("parse", java.io.InputStream.class, String.class);
        m.setAccessible(true);
        return (MatrixSpec) m.invoke(null, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "tiny");
    }

    /** A host whose trainer counts: nothing may be trained before the parameters are checked. */
    static final class CountingHost implements Host {
        final AtomicInteger trainings = new AtomicInteger();
        private final Host quiet = DefaultHost.quiet();

        @Override
        public Trainer trainer() {
            Trainer t = quiet.trainer();
            trainings.incrementAndGet();
            return t;
        }

        @Override
        public Progress progress(String phase, long total) {
            return quiet.progress(phase, total);
        }

        @Override
        public void log(String message) {
        }
    }

    @Test
    void aBuiltInDefensesMisspelledParameterFailsBeforeAnyTraining(@TempDir Path dir) throws Exception {
        MatrixSpec spec = parse(MatrixRunnerTest.TINY.replace("{id: ft, params: {epochs: 1}}", "{id: ft, params: {epoch: 1}}"));
        CountingHost host = new CountingHost();
        Path work = dir.resolve("work");
        UserException e = assertThrows(UserException.class,
                () -> new MatrixRunner(PluginRegistry.fromClasspath(), host, work).run(spec, MatrixRunnerTest.DATA, false));
        String msg = e.oneLine();
        assertTrue(msg.contains("defense ft: unknown parameter 'epoch'") && msg.contains("did you mean 'epochs'?"), msg);
        assertEquals(0, host.trainings.get(), "nothing trained");
        assertFalse(Files.exists(work.resolve("runs")), "no run folder: the run never started");
    }

    @Test
    void aMisspelledParameterFailsBeforeAnyTrainingNamingTheKeyAndTheFix(@TempDir Path dir) throws Exception {
        PluginRegistry registry = withProbe(dir.resolve("probe"));
        MatrixSpec spec = parse(MatrixRunnerTest.TINY.replace("{id: lmc, params: {points: 3}}", "{id: probe, params: {epoch: 2}}"));
        Path work = dir.resolve("work");
        CountingHost host = new CountingHost();
        UserException e = assertThrows(UserException.class, () -> new MatrixRunner(registry, host, work).run(spec, MatrixRunnerTest.DATA, false));
        String msg = e.oneLine();
        assertTrue(msg.contains("matrix 'tiny'") && msg.contains("evaluator probe: unknown parameter 'epoch'")
                && msg.contains("did you mean 'epochs'?") && msg.contains("accepted: epochs, poison-count"), msg);
        assertEquals(0, host.trainings.get(), "nothing trained");
        assertFalse(Files.exists(work.resolve("runs")), "no run folder: the run never started");

        MatrixSpec wrongAttack = parse(MatrixRunnerTest.TINY.replace("{id: lmc, params: {points: 3}}",
                "{id: probe, params: {poison-count: {blended: 1}}}"));
        String m2 = assertThrows(UserException.class, () -> new MatrixRunner(registry, host, work).run(wrongAttack, MatrixRunnerTest.DATA, false))
                .oneLine();
        assertTrue(m2.contains("attack 'blended'") && m2.contains("its attacks: badnet"), m2);
        assertEquals(0, host.trainings.get());
    }

    @Test
    void thePlugInGetsItsAttacksValueAndTheResultsRecordTheResolvedParameters(@TempDir Path dir) throws Exception {
        PluginRegistry registry = withProbe(dir.resolve("probe"));
        MatrixSpec spec = parse(MatrixRunnerTest.TINY
                .replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]", "defenses: [{id: none}]")
                .replace("evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}, {id: lmc, params: {points: 3}}]",
                        "evaluators: [{id: probe, params: {poison-count: {badnet: 2}}}]"));
        var outcome = new MatrixRunner(registry, DefaultHost.quiet(), dir.resolve("work")).run(spec, MatrixRunnerTest.DATA, false);
        var rows = outcome.document().getRows();
        assertEquals(2.0, rows.stream().filter(r -> r.metric().equals("poison-count")).findFirst().orElseThrow().value(),
                "the per-attack map resolved to the cell's attack by the host");
        assertEquals(5.0, rows.stream().filter(r -> r.metric().equals("epochs")).findFirst().orElseThrow().value(), "the default");
        var probe = outcome.document().getConfig().get("evaluators").get(0);
        assertEquals("{\"epochs\":5,\"poison-count\":{\"badnet\":2}}", probe.get("resolvedParams").toString());
        assertEquals("{\"poison-count\":{\"badnet\":2}}", probe.get("params").toString(), "as written, next to it");
    }

    @Test
    void aPerAttackMapRunsExactlyAsTheSameValueGivenForEveryAttack(@TempDir Path dir) throws Exception {
        String base = MatrixRunnerTest.TINY
                .replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]", "defenses: [{id: none}]");
        String scalar = "{id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}";
        assertTrue(base.contains(scalar));
        MatrixSpec plain = parse(base.replace(", {id: lmc, params: {points: 3}}", ""));
        MatrixSpec perAttack = parse(base.replace(", {id: lmc, params: {points: 3}}", "")
                .replace(scalar, "{id: ra, params: {samples: 60, epochs: 1, poison-count: {badnet: 3}}}"));
        Path work = dir.resolve("work");
        var a = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(plain, MatrixRunnerTest.DATA, false);
        var b = new MatrixRunner(PluginRegistry.fromClasspath(), DefaultHost.quiet(), work).run(perAttack, MatrixRunnerTest.DATA, false);
        assertNotEquals(a.runDir(), b.runDir(), "two runs, not a resume");
        var ra = a.document().getRows().stream().filter(r -> r.evaluator().equals("ra")).map(r -> r.metric() + "=" + r.value()).sorted().toList();
        assertEquals(5, ra.size(), ra.toString());
        assertEquals(ra, b.document().getRows().stream().filter(r -> r.evaluator().equals("ra")).map(r -> r.metric() + "=" + r.value())
                .sorted().toList(), "bit-identical RA numbers");
    }

    @Test
    void matrixParamsKeyByTheResolvedValues(@TempDir Path dir) throws Exception {
        PluginRegistry registry = withProbe(dir.resolve("probe"));
        MatrixSpec written = parse(MatrixRunnerTest.TINY.replace("{id: lmc, params: {points: 3}}", "{id: probe, params: {epochs: 5}}"));
        MatrixSpec defaulted = parse(MatrixRunnerTest.TINY.replace("{id: lmc, params: {points: 3}}", "{id: probe}"));
        var a = MatrixParams.bind(written, registry).evaluator(written.evaluators().get(2)).forAttackMap("badnet");
        var b = MatrixParams.bind(defaulted, registry).evaluator(defaulted.evaluators().get(2)).forAttackMap("badnet");
        assertEquals(a, b, "a default written out is the same setting");
        assertNotEquals(MatrixRunner.configHash(written), MatrixRunner.configHash(defaulted), "the run id follows the text as written");
    }

    @Test
    void everyShippedMatrixBindsAgainstTheBuiltInPlugIns() throws Exception {
        PluginRegistry registry = PluginRegistry.fromClasspath();
        for (String profile : MatrixSpec.profileNames()) {
            MatrixParams.bind(MatrixSpec.profile(profile), registry);
        }
        Path results = Path.of("../../docs/results");
        try (var files = Files.list(results)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                MatrixParams.bind(MatrixSpec.load(f), registry);
            }
        }
    }

    @Test
    void theStandardProfilesPaperRhoRowGivesEachAttackThePapersValue() {
        MatrixSpec standard = MatrixSpec.profile("standard");
        MatrixParams params = MatrixParams.bind(standard, PluginRegistry.fromClasspath());
        List<MatrixSpec.PluginRef> paperRho = standard.defenses().stream()
                .filter(d -> d.id().equals("pam") && d.params() != null && d.params().get("rho") instanceof java.util.Map)
                .toList();
        assertEquals(1, paperRho.size(), "one PAM row with the paper's fixed rho: " + standard.defenses());
        var bound = params.defense(paperRho.get(0));
        assertEquals(0.9, ((Number) bound.forAttackMap("lc").get("rho")).doubleValue());
        assertEquals(0.5, ((Number) bound.forAttackMap("blended").get("rho")).doubleValue());
        assertEquals(0.5, ((Number) bound.forAttackMap("ssba").get("rho")).doubleValue());
    }

    @Test
    void listParamsPrintsEachDeclaredParameter() {
        PluginDescriptor d = new PluginDescriptor(Kind.EVALUATOR, "ra", "1.0.0", "retuning", "", Set.of(), SpiVersion.CURRENT,
                Role.PURIFIER, List.of(), Set.of(), List.of(
                        new ParamSpec("poison-count", ParamType.INT, "5", 0, Double.POSITIVE_INFINITY, List.of(), true,
                                "poisoned images in the RA set", "paper section 3.2"),
                        new ParamSpec("rho", ParamType.NUMBER, "auto", 0, 10, List.of("auto"), false, "radius", ""),
                        new ParamSpec("hvp", ParamType.STRING, "jacobian", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
                                List.of("jacobian", "finite-difference"), false, "", "")));
        String table = ListCommand.paramTable(d, "built-in", true);
        List<String> lines = table.lines().toList();
        assertEquals("evaluator ra 1.0.0 (built-in)", lines.get(0));
        assertTrue(lines.get(1).matches("\\s+NAME\\s+TYPE\\s+DEFAULT\\s+RANGE / CHOICES\\s+PER ATTACK"), lines.get(1));
        assertTrue(lines.get(2).matches("\\s+poison-count\\s+int\\s+5\\s+>= 0\\s+yes"), lines.get(2));
        assertEquals("      poisoned images in the RA set", lines.get(3));
        assertEquals("      source: paper section 3.2", lines.get(4));
        assertTrue(lines.get(5).matches("\\s+rho\\s+number\\s+auto\\s+\\[0, 10] or auto\\s+no"), lines.get(5));
        assertTrue(lines.get(7).matches("\\s+hvp\\s+string\\s+jacobian\\s+jacobian, finite-difference\\s+no"), lines.get(7));
        assertTrue(ListCommand.paramTable(new PluginDescriptor(Kind.DEFENSE, "plain", "1", "", "", Set.of(), SpiVersion.CURRENT,
                Role.PURIFIER, List.of(), Set.of(), List.of()), "built-in", true).contains("takes no parameters"));
    }

    @Test
    void listParamsOnTheCommandLine(@TempDir Path dir) throws Exception {
        PluginJarsCliTest.Result ok = PluginJarsCliTest.run("list", "--params", "ft", "--submissions", Files.createDirectories(dir.resolve("s")).toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("defense ft "), ok.out());
        assertFalse(ok.out().contains("KIND"), "the parameters instead of the list");
        PluginJarsCliTest.Result bad = PluginJarsCliTest.run("list", "--params", "fx", "--submissions", dir.resolve("s").toString());
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("no plug-in has the id 'fx' (did you mean 'ft'?)"), bad.err());
    }
}
