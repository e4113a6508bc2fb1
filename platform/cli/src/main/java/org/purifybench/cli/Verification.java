package org.purifybench.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.Provenance;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixParams;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.Roles;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.core.sandbox.SandboxLimits;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.tck.ConformanceKit;
import org.purifybench.tck.TckFixture;

/**
 * {@code purifybench verify JAR}: the conformance kit on the jar's defense, then a small fixed matrix
 * (the defense against {@code none}), compared with golden results stored with the plug-in. The
 * defense runs in the sandbox in both, as in a real run. Prints a pass/fail table; the exit code is 0
 * only when every check and every metric passes.
 */
final class Verification {
    /** What the command was asked. */
    record Request(Path jar, String defenseId, Path goldenFile, Path writeGolden, Map<String, Object> params, String dataset,
                   Double tolerance, Path workDir, boolean quiet, EngineOptions engine) {
    }

    /**
     * The verify matrix's fixed settings, in one place (docs/architecture.md describes them). Changing any of them,
     * or any text of {@link #matrix}, changes the matrix id, and every plug-in's golden results then fail
     * as written for another matrix until their authors rewrite them: change it only with a reason.
     */
    static final int TRAIN_EPOCHS = 3;
    static final int WIDTH = 4;
    static final int ATTACKER_IMAGES = 600;
    static final double POISON_RATE = 0.1;
    static final Map<String, Object> RA = Map.of("samples", 200, "epochs", 2, "poison-count", 5);
    /** The datasets verify can run on: the generated synthetic set (default: no files needed) or a slice of Fashion-MNIST. */
    static final List<String> DATASETS = List.of("synthetic", "fashion-mnist");

    private final Request req;
    private final PrintStream out;
    private final DefaultHost host;
    /** The backdoored baseline the defense is compared with (its id, found by role). */
    private String baseline;

    Verification(Request req, PrintStream out) {
        this.req = req;
        this.out = out;
        this.host = new DefaultHost(!req.quiet(), System.err);
    }

    /**
     * The verify matrix for defense {@code id} with {@code params} on {@code dataset}: cnn-small width 4
     * trained 3 epochs on 600 attacker images, BadNet at 10%, seed 0; defenses {@code baseline} (the
     * registered backdoored baseline, found by role: none) and the plug-in's;
     * evaluators accuracy (C-Acc, ASR, R-Acc) and a short Retuning Attack (200 samples, 5 poisoned, 2
     * epochs). {@code synthetic}: the seeded generated set (1x28x28, 10 classes, 2,000 training images,
     * the same everywhere; tuning 200, validation 100, all 500 test images). {@code fashion-mnist}: from
     * its 60,000 training images, tuning 240 and validation 120; the first 1,000 test images.
     */
    static MatrixSpec matrix(String baseline, String id, Map<String, Object> params, String dataset) {
        boolean synthetic = dataset.equals("synthetic");
        if (!DATASETS.contains(dataset)) {
            throw new UserException("verify runs on " + String.join(" or ", DATASETS) + ", not '" + dataset + "'", "use --dataset "
                    + String.join(" or --dataset ", DATASETS));
        }
        return new MatrixSpec("verify", "purifybench verify: a plug-in defense against none on a tiny matrix",
                new MatrixSpec.DatasetSpec(dataset, null, ATTACKER_IMAGES, synthetic ? 0 : 1000),
                synthetic ? new MatrixSpec.SplitSpec(0.1, 0.05, 300) : new MatrixSpec.SplitSpec(0.004, 0.002, 300),
                new MatrixSpec.ModelSpecYaml("cnn-small", WIDTH),
                new MatrixSpec.TrainingSpec(TRAIN_EPOCHS, 32, 0.05, 0.9, false, 5e-4, "cosine", null),
                List.of(new MatrixSpec.PluginRef("badnet", Map.of(), null)), List.of(POISON_RATE), 0,
                List.of(new MatrixSpec.PluginRef(baseline, Map.of(), null), new MatrixSpec.PluginRef(id, new TreeMap<>(params), null)),
                List.of(new MatrixSpec.PluginRef("accuracy", Map.of(), null), new MatrixSpec.PluginRef("ra", RA, null)),
                List.of(0L), List.of("a regression check, not a benchmark: " + ATTACKER_IMAGES + " training images, tiny model, one seed"));
    }

    int run() {
        PluginRegistry registry = PluginRegistry.fromClasspath(List.of(req.jar())).requireNoRefused();
        Defense defense = chooseDefense(registry);
        PluginDescriptor d = defense.descriptor();
        Path jar = registry.origin(d).jar();

        Golden golden = null;
        String goldenWhere = null;
        if (req.writeGolden() == null) {
            if (req.goldenFile() != null) {
                golden = Golden.read(req.goldenFile());
                goldenWhere = req.goldenFile().toString();
            } else {
                golden = Golden.inJar(jar, d.id()).orElseThrow(() -> new UserException("the jar " + jar + " carries no golden results for defense '"
                        + d.id() + "' (" + Golden.IN_JAR + ")", "write them with: purifybench verify " + jar + " --write-golden "
                        + "src/main/resources/" + Golden.IN_JAR + " and rebuild the jar, or pass a file with --golden FILE"));
                goldenWhere = jar + "!" + Golden.IN_JAR;
            }
            if (!golden.defense().equals(d.id())) {
                throw new UserException(goldenWhere + " holds golden results of defense '" + golden.defense() + "', not '" + d.id() + "'",
                        "give the golden file of this defense, or --defense " + golden.defense());
            }
            if (req.dataset() != null && !req.dataset().equals(golden.datasetOrDefault())) {
                throw new UserException("--dataset " + req.dataset() + ": the golden results were written on " + golden.datasetOrDefault(),
                        "leave out --dataset (verify uses the golden results' dataset), or write new golden results with --write-golden FILE");
            }
            if (!req.params().isEmpty()) {
                throw new UserException("--param is for --write-golden only: verify runs with the parameters the golden results were written with "
                        + golden.params(), "leave out --param, or write new golden results with --write-golden FILE --param ...");
            }
        }
        Map<String, Object> params = golden != null ? (golden.params() == null ? Map.of() : golden.params()) : req.params();
        // The jar's classes are loaded only in the sandbox child: without a sandbox nothing of it can run. Fails closed, before any training.
        Sandbox.requireEnabled(d, jar);
        Sandbox.requireSupported(d, jar);
        String dataset = golden != null ? golden.datasetOrDefault() : req.dataset() != null ? req.dataset() : "synthetic";
        baseline = Roles.registered(registry, Role.BACKDOORED_BASELINE).map(PluginDescriptor::id).orElseThrow(() -> new UserException(
                "no registered defense has role BACKDOORED_BASELINE: verify compares the defense with the backdoored model",
                "put the built-in defenses (plugins-defenses) on the class path"));
        // Golden results hold for one engine: the engine is part of the matrix id they name.
        MatrixSpec spec = req.engine().apply(matrix(baseline, d.id(), params, dataset));
        System.setProperty(org.purifybench.tck.Tck.ENGINE_PROPERTY, spec.engineOrDefault().id());
        // --param and the golden parameters checked against the declared ones before the kit trains anything
        Params bound = MatrixParams.bind(spec, registry).defense(spec.defenses().get(1)).forAttack(spec.attacks().get(0).id());

        out.println("purifybench verify: defense '" + d.id() + "' " + d.version() + " from " + jar + (params.isEmpty() ? "" : ", parameters " + params));
        if (golden != null) {
            out.println("golden results: " + goldenWhere + " (defense version " + golden.defenseVersion() + ", dataset " + golden.datasetOrDefault()
                    + ", written " + writtenOn(golden.writtenOn()) + ")");
        }
        Path work = RunSupport.checkWritable(req.workDir());
        Path tmp;
        try {
            tmp = Files.createTempDirectory(work, "verify-");
        } catch (IOException e) {
            throw new UserException("cannot create a folder in " + work + " (" + e.getMessage() + ")", "pass a writable folder with --work-dir DIR");
        }
        try {
            host.log("verify: every sandbox job (the kit's and the matrix's) is killed after " + jobLimits().wall().toSeconds()
                    + " s (the kit's time budget + 60 s; -D" + ConformanceKit.TIME_BUDGET_PROPERTY + "=SECONDS changes it)");
            List<ConformanceKit.Result> kit = runKit(defense, d, jar, bound, tmp);
            Matrix matrix = runMatrix(registry, spec, d, tmp);
            if (req.writeGolden() != null) {
                return writeGolden(d, params, spec, kit, matrix);
            }
            return compare(d, golden, spec, kit, matrix);
        } finally {
            org.purifybench.core.sandbox.Sandbox.deleteTree(tmp);
        }
    }

    private Defense chooseDefense(PluginRegistry registry) {
        List<Defense> mine = registry.defenses().stream().filter(x -> !registry.origin(x.descriptor()).builtIn()).toList();
        if (mine.isEmpty()) {
            throw new UserException(req.jar() + " provides no defense", "verify checks defenses (declare one in the jar's descriptor file and services)");
        }
        if (req.defenseId() != null) {
            return mine.stream().filter(x -> x.descriptor().id().equals(req.defenseId())).findFirst().orElseThrow(() -> new UserException(
                    req.jar() + " has no defense '" + req.defenseId() + "'", "its defenses: " + ids(mine)));
        }
        if (mine.size() > 1) {
            throw new UserException(req.jar() + " provides several defenses (" + ids(mine) + ")", "choose one with --defense ID");
        }
        return mine.get(0);
    }

    private static String ids(List<Defense> defenses) {
        return String.join(", ", defenses.stream().map(x -> x.descriptor().id()).toList());
    }

    // ---- the kit ----

    /**
     * The kit on the jar's defense. {@code defense} is the harness's stand-in ({@code JarDefense}: the
     * descriptor file's declaration); every purify runs in the sandbox child, which loads the real class
     * and refuses to run it when its descriptor() disagrees with the file (the kit reports that).
     */
    private List<ConformanceKit.Result> runKit(Defense defense, PluginDescriptor d, Path jar, Params params, Path tmp) {
        Duration budget = ConformanceKit.timeBudget(ConformanceKit.DEFAULT_TIME_BUDGET);
        Sandbox sandbox = new Sandbox(tmp.resolve("kit-sandbox"), jobLimits(), List.of(tmp), host::log);
        ConformanceKit.Purifier purifier = new SandboxPurifier(sandbox, jar, d);
        host.log("verify: conformance kit (" + purifier.where() + ")");
        ConformanceKit kit = new ConformanceKit(defense, params, purifier, budget, ConformanceKit.strictNeeds(false));
        List<ConformanceKit.Result> results = kit.all();
        out.println();
        out.println("CONFORMANCE KIT (purify " + purifier.where() + ", on the kit's synthetic 12x12 fixture, seed " + ConformanceKit.SEED + ", twice)");
        out.printf(Locale.ROOT, "  %-44s %-6s %s%n", "CHECK", "RESULT", "DETAIL");
        for (ConformanceKit.Result r : results) {
            out.printf(Locale.ROOT, "  %-44s %-6s %s%n", r.check().title(), r.status(), r.detail());
        }
        return results;
    }

    /** The kit's purify calls through the sandbox, as a real run makes them. */
    private record SandboxPurifier(Sandbox sandbox, Path jar, PluginDescriptor d) implements ConformanceKit.Purifier {
        @Override
        public ConformanceKit.Purified purify(TckFixture f, long seed, Params params) {
            long start = System.nanoTime();
            try {
                // The kit types its models as the SPI's Model; they are the host's own, which the sandbox ships by spec.
                Sandbox.Purification p = sandbox.purification(jar, d, (HostModel) f.backdoored, f.splits.tuning(), f.splits.validation(), () -> f.clean,
                        seed, params);
                return new ConformanceKit.Purified(p.model(), null, Set.of(), Duration.ofNanos(Math.round(p.seconds() * 1e9)));
            } catch (SandboxException e) {
                return new ConformanceKit.Purified(null, e, Set.of(), Duration.ofNanos(System.nanoTime() - start));
            }
        }

        @Override
        public ConformanceKit.Purified purifyWithout(TckFixture f, long seed, Params params, Need withheld) {
            long start = System.nanoTime();
            try {
                Sandbox.Purification p = sandbox.purification(jar, d, (HostModel) f.backdoored, f.splits.tuning(), f.splits.validation(), () -> f.clean,
                        seed, params, Set.of(withheld));
                return new ConformanceKit.Purified(p.model(), null, Set.of(), Duration.ofNanos(Math.round(p.seconds() * 1e9)));
            } catch (SandboxException e) {
                return new ConformanceKit.Purified(null, e, Set.of(), Duration.ofNanos(System.nanoTime() - start));
            }
        }

        @Override
        public String where() {
            return "in the sandbox (child JVM start included)";
        }

        @Override
        public boolean isolated() {
            return true;
        }
    }

    // ---- the matrix ----

    /** The matrix's metrics, or why it failed. */
    private record Matrix(List<Golden.Metric> metrics, Provenance provenance, String failure, double seconds) {
    }

    /**
     * The limits of every sandbox job verify starts, the kit's and the matrix's: killed a minute after the
     * kit's time budget (the child JVM's start is part of the measured time), or sooner if the
     * purifybench.sandbox.* properties say so. Without this the matrix's job had the 4-hour default
     * and a hanging defense held CI for hours.
     */
    static SandboxLimits jobLimits() {
        Duration wall = ConformanceKit.timeBudget(ConformanceKit.DEFAULT_TIME_BUDGET).plusSeconds(60);
        SandboxLimits limits = SandboxLimits.fromSystemProperties();
        return limits.wall().compareTo(wall) < 0 ? limits : limits.withWall(wall);
    }

    private Matrix runMatrix(PluginRegistry registry, MatrixSpec spec, PluginDescriptor d, Path tmp) {
        host.log("verify: matrix " + MatrixRunner.runId(spec));
        long start = System.nanoTime();
        try {
            MatrixRunner.Outcome o = new MatrixRunner(registry, host, tmp.resolve("work")).sandboxLimits(jobLimits()).run(spec, true);
            List<Golden.Metric> metrics = new ArrayList<>();
            for (ResultRow r : o.document().getRows()) {
                if (r.defense().equals(baseline) || r.defense().equals(d.id())) {
                    metrics.add(new Golden.Metric(r.defense(), r.evaluator(), r.metric(), Double.isFinite(r.value()) ? r.value() : null));
                }
            }
            metrics.sort(Comparator.comparing((Golden.Metric m) -> !m.defense().equals(baseline)).thenComparing(Golden.Metric::evaluator)
                    .thenComparing(Golden.Metric::metric));
            return new Matrix(metrics, o.document().getProvenance(), null, (System.nanoTime() - start) / 1e9);
        } catch (UserException e) {
            return new Matrix(List.of(), null, e.oneLine(), (System.nanoTime() - start) / 1e9);
        }
    }

    private void matrixHeader(MatrixSpec spec, Matrix m) {
        out.println();
        out.printf(Locale.ROOT, "REGRESSION MATRIX %s (%s, %d training images, cnn-small width %d, %d epochs, badnet %.0f%%, seed 0;"
                        + " %s vs %s; %.0f s)%n", MatrixRunner.runId(spec), spec.dataset().id(), ATTACKER_IMAGES, WIDTH, TRAIN_EPOCHS,
                POISON_RATE * 100, spec.defenses().get(1).id(), spec.defenses().get(0).id(), m.seconds());
        if (m.provenance() != null) {
            out.println("  measured " + writtenOn(Map.of("platform", m.provenance().codeVersion(), "cpu", m.provenance().cpu(), "threads", threads(),
                    "java", m.provenance().javaVersion())));
            out.println("  time per phase: " + String.join(", ", m.provenance().phaseSeconds().entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.0f s", e.getKey(), e.getValue())).toList()));
        }
        if (m.failure() != null) {
            out.println("  FAILED: " + m.failure());
        }
    }

    private int writeGolden(PluginDescriptor d, Map<String, Object> params, MatrixSpec spec, List<ConformanceKit.Result> kit, Matrix m) {
        matrixHeader(spec, m);
        boolean kitOk = kit.stream().allMatch(ConformanceKit.Result::passed);
        if (m.failure() != null || !kitOk) {
            out.println();
            out.println("verify: FAIL - golden results not written (" + (kitOk ? "the matrix failed" : "the conformance kit failed") + ")");
            return 1;
        }
        out.printf(Locale.ROOT, "  %-12s %-10s %-16s %s%n", "DEFENSE", "EVALUATOR", "METRIC", "VALUE");
        for (Golden.Metric x : m.metrics()) {
            out.printf(Locale.ROOT, "  %-12s %-10s %-16s %s%n", x.defense(), x.evaluator(), x.metric(), fmt(x.value()));
        }
        Map<String, Object> on = new LinkedHashMap<>();
        Provenance p = m.provenance();
        on.put("platform", p.codeVersion());
        on.put("spi", p.spiVersion());
        on.put("java", p.javaVersion());
        on.put("os", p.os());
        on.put("cpu", p.cpu());
        on.put("cores", p.cores());
        on.put("threads", threads());
        on.put("backend", p.nd4jBackend());
        on.put("sandboxed", Sandbox.enabled());
        Golden g = new Golden(Golden.FORMAT, d.id(), d.version(), new TreeMap<>(params), spec.dataset().id(), MatrixRunner.runId(spec),
                req.tolerance() != null ? req.tolerance() : Golden.defaultTolerance(spec.dataset().id()), null, on, m.metrics());
        g.write(req.writeGolden());
        out.println();
        out.println("verify: golden results written to " + req.writeGolden() + " (" + m.metrics().size() + " metrics, tolerance "
                + g.tolerance() + "); ship them in the jar as " + Golden.IN_JAR + " (src/main/resources/" + Golden.IN_JAR + ")");
        return 0;
    }

    /** One line of the comparison table. {@code golden} or {@code now} is null when that side lacks the metric. */
    record Row(String defense, String evaluator, String metric, Double golden, Double now, Double diff, Double tolerance, String result) {
        boolean failed() {
            return result.startsWith("FAIL");
        }
    }

    /**
     * Compares the metrics measured now with the golden ones: each golden metric passes when both values
     * are numbers within its tolerance ({@code override} if given, else the file's for that metric), or both
     * are not numbers; a golden metric missing now fails; a metric only measured now is a note. Every metric
     * fails when the golden results were written for another matrix ({@code sameMatrix} false).
     */
    static List<Row> compare(Golden golden, List<Golden.Metric> measured, Double override, boolean sameMatrix) {
        Map<String, Golden.Metric> now = new LinkedHashMap<>();
        measured.forEach(x -> now.put(x.key(), x));
        List<Row> rows = new ArrayList<>();
        for (Golden.Metric g : golden.metrics()) {
            Golden.Metric x = now.remove(g.key());
            double tol = override != null ? override : golden.toleranceOf(g.metric());
            Double value = x == null ? null : x.value();
            Double diff = null;
            String result;
            if (x == null) {
                result = "FAIL (missing now)";
            } else if (g.value() == null || value == null) {
                result = g.value() == null && value == null ? "PASS" : "FAIL (not a number)";
            } else {
                diff = value - g.value();
                result = Math.abs(diff) <= tol + 1e-12 ? "PASS" : "FAIL";
            }
            if (!sameMatrix && !result.startsWith("FAIL")) {
                result = "FAIL (other matrix)";
            }
            rows.add(new Row(g.defense(), g.evaluator(), g.metric(), g.value(), value, diff, tol, result));
        }
        for (Golden.Metric x : now.values()) {
            rows.add(new Row(x.defense(), x.evaluator(), x.metric(), null, x.value(), null, null, "NOTE (not in the golden results)"));
        }
        return rows;
    }

    private int compare(PluginDescriptor d, Golden golden, MatrixSpec spec, List<ConformanceKit.Result> kit, Matrix m) {
        matrixHeader(spec, m);
        String runId = MatrixRunner.runId(spec);
        boolean sameMatrix = runId.equals(golden.matrix());
        if (!sameMatrix) {
            out.println("  the golden results were written for verify matrix " + golden.matrix() + ", this platform runs " + runId
                    + ": their numbers cannot be compared - rewrite them with --write-golden");
        }
        List<Row> rows = compare(golden, m.metrics(), req.tolerance(), sameMatrix);
        out.printf(Locale.ROOT, "  %-12s %-10s %-16s %8s %8s %9s %7s  %s%n", "DEFENSE", "EVALUATOR", "METRIC", "GOLDEN", "NOW", "DIFF", "TOL", "RESULT");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "  %-12s %-10s %-16s %8s %8s %9s %7s  %s%n", r.defense(), r.evaluator(), r.metric(),
                    r.golden() == null && r.result().startsWith("NOTE") ? "-" : fmt(r.golden()),
                    r.now() == null && r.result().startsWith("FAIL (missing") ? "-" : fmt(r.now()),
                    r.diff() == null ? "" : String.format(Locale.ROOT, "%+.4f", r.diff()),
                    r.tolerance() == null ? "" : String.format(Locale.ROOT, "%.4f", r.tolerance()), r.result());
        }
        long compared = rows.stream().filter(r -> !r.result().startsWith("NOTE")).count();
        long failed = rows.stream().filter(Row::failed).count();
        double largest = rows.stream().filter(r -> r.diff() != null).mapToDouble(r -> Math.abs(r.diff())).max().orElse(0);
        boolean noneFailed = rows.stream().anyMatch(r -> r.failed() && r.defense().equals(baseline));
        out.println("  tolerance: absolute, on rates in [0,1]. With the machine, ND4J build and OMP_NUM_THREADS that wrote the golden results"
                + " every difference should be 0 (the trainer is bit-for-bit deterministic); another CPU or thread count changes float"
                + " rounding, which training amplifies (measured on one machine, 1 vs 2 threads: up to 0.002 on synthetic data, 0.018 on"
                + " Fashion-MNIST), hence the tolerance (default " + Golden.defaultTolerance("synthetic") + " on synthetic data, "
                + Golden.defaultTolerance("fashion-mnist") + " on Fashion-MNIST).");
        if (noneFailed && sameMatrix && m.failure() == null) {
            out.println("  '" + baseline + "' (the backdoored model itself) changed too: the platform or the machine changed since the golden results"
                    + " were written, not only the plug-in - rewrite them with --write-golden if that is expected.");
        }
        if (golden.defenseVersion() != null && !golden.defenseVersion().equals(d.version())) {
            out.println("  note: the golden results were written for version " + golden.defenseVersion() + " of the defense, this is " + d.version());
        }
        long kitFailed = kit.stream().filter(r -> !r.passed()).count();
        boolean ok = kitFailed == 0 && failed == 0 && m.failure() == null;
        out.println();
        out.printf(Locale.ROOT, "verify: %s - conformance kit %d/%d passed, metrics %d/%d within tolerance (largest difference %.4f)%s%n",
                ok ? "PASS" : "FAIL", kit.size() - kitFailed, kit.size(), compared - failed, compared, largest,
                m.failure() != null ? ", the matrix failed" : "");
        return ok ? 0 : 1;
    }

    /** Where golden results were measured, in a few words: platform, CPU, threads, Java. */
    static String writtenOn(Map<String, Object> on) {
        if (on == null || on.isEmpty()) {
            return "on an unrecorded machine";
        }
        return "by platform " + on.getOrDefault("platform", "?") + " on " + on.getOrDefault("cpu", "?") + ", " + on.getOrDefault("threads", "?")
                + " threads, Java " + on.getOrDefault("java", "?");
    }

    private static String fmt(Double v) {
        return v == null ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String threads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        return omp != null && !omp.isBlank() ? omp : String.valueOf(Runtime.getRuntime().availableProcessors());
    }
}
