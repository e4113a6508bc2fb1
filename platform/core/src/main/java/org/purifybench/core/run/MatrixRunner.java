package org.purifybench.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.Datasets;
import org.purifybench.core.data.Splits;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.fingerprint.CodeVersion;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.CellInfo;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.Curve;
import org.purifybench.core.results.PluginInfo;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxLimits;
import org.purifybench.core.train.SgdTrainer;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Host;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;

/**
 * Runs a matrix as a plan ({@link MatrixPlan}): the journal says which (cell, defense, evaluator) units
 * are missing, and each cell ({@link CellRun}) prepares its attack, trains or loads the backdoored and
 * clean models, purifies the defenses its missing units need and evaluates those units, journaling
 * each as it finishes. Models come from the {@link ModelCache} ({@link CacheKeys}); nothing is made
 * that a finished unit no longer needs, so a resumed run only does the missing work.
 *
 * <p>Defenses from plug-in jars run in the {@link Sandbox} (a confined child JVM per job); the
 * harness validates the model the child returns and computes every metric itself. When a defense
 * (sandboxed or built-in) or an evaluator fails, its units fail and the rest of the matrix still runs;
 * the run then writes its results with those units in {@code failures} (status, reason, the log's last
 * lines) and ends with a {@link UnitsFailedException}. Failed units are not journaled: the next run
 * tries them again.
 */
public final class MatrixRunner {
    /** The pseudo-evaluator under which a defense's own diagnostics are recorded. */
    public static final String DIAGNOSTICS = "diagnostics";
    /** The diagnostic trigger-inversion defenses report: the target label they inferred. */
    public static final String INVERTED_TARGET = "inverted-target";
    private final PluginRegistry registry;
    /** The given host, with each line also kept for the unit that logged it. */
    private final Host host;
    private final UnitFailures failures = new UnitFailures();
    private final Path workDir;
    private final HardwareInfo hardware = new HardwareInfo();
    private Sandbox sandbox;
    private SandboxLimits sandboxLimits;
    private final Object sandboxLock = new Object();
    private int parallelCells = 1;

    public MatrixRunner(PluginRegistry registry, Host host, Path workDir) {
        this.registry = registry;
        this.host = failures.capturing(host);
        this.workDir = workDir;
    }

    /**
     * Runs up to {@code n} cells (seed x poison rate x attack) at a time. Each cell's numbers do not
     * depend on it (every cell draws from its own seeds; tested). Why: a step's ops use two cores
     * poorly (cnn-small: 159 img/s on one thread, ~205 on two), and one cell's Java-side and
     * single-threaded stretches leave a core idle that the other cell fills (demo on 2 cores:
     * 5:22 instead of 6:31 with both cells on 2 threads each; 5:39 with 1 thread each).
     */
    public MatrixRunner parallelCells(int n) {
        if (n < 1) {
            throw new UserException("--parallel-cells must be at least 1, got " + n, "use 1 (one cell at a time) or the number of cores");
        }
        this.parallelCells = n;
        return this;
    }

    /** Where a run's journal, results and report live. */
    public record Outcome(Path runDir, Path resultsFile, ResultsDocument document, int unitsComputed, int unitsReused) {
    }

    /**
     * The run finished, but some units failed: its results (with the failures) are written, and the
     * outcome is here so the caller can still write the report.
     */
    public static final class UnitsFailedException extends UserException {
        private final transient Outcome outcome;

        UnitsFailedException(String problem, String fix, Outcome outcome) {
            super(problem, fix);
            this.outcome = outcome;
        }

        public Outcome outcome() {
            return outcome;
        }
    }

    /** The folder a run of {@code spec} keeps its journal, results, report and log in. */
    public static Path runDir(Path workDir, MatrixSpec spec) {
        return workDir.resolve("runs").resolve(runId(spec));
    }

    public static String runId(MatrixSpec spec) {
        return spec.name() + "-" + configHash(spec).substring(0, 12);
    }

    public static String configHash(MatrixSpec spec) {
        return Hashing.ofJson(spec.toJson());
    }

    public Outcome run(MatrixSpec spec, boolean fresh) {
        // Resolve every plug-in before any data is touched: a typo fails in milliseconds.
        resolvePlugins(spec);
        Roles.prepare(spec, registry, line -> { });
        Dataset dataset = Datasets.load(spec.dataset().id(), spec.dataset().path() == null ? null : Path.of(spec.dataset().path()));
        return run(spec, dataset, fresh);
    }

    public Outcome run(MatrixSpec spec, Dataset dataset, boolean fresh) {
        return execute(spec, dataset, fresh, null);
    }

    /**
     * The plan of {@code spec} as this runner's work folder stands: every unit numbered, and whether its
     * run's journal holds it. Reads the journal; trains nothing.
     */
    public MatrixPlan plan(MatrixSpec asWritten, Dataset dataset) {
        resolvePlugins(asWritten);
        Journal journal = new Journal(runDir(workDir, asWritten).resolve("journal.jsonl"), () -> { });
        return plan(Roles.prepare(asWritten, registry, line -> { }), dataset, journal);
    }

    /**
     * Runs only the units {@code selected} (by {@link CellPlan.Unit#index}) that are not done yet, with the
     * models they need (trained, purified or loaded from this work folder's cache), and writes the
     * run's results as the journal then stands. The seam for running a matrix's units one at a time.
     */
    public Outcome runUnits(MatrixSpec spec, Dataset dataset, IntPredicate selected) {
        return execute(spec, dataset, false, selected);
    }

    private MatrixPlan plan(MatrixSpec spec, Dataset dataset, Journal journal) {
        return MatrixPlan.of(spec, registry, dataset.name(), spec.model().arch(), journal::isDone);
    }

    /** Runs the plan's missing units, all of them or the {@code selected} ones. */
    private Outcome execute(MatrixSpec asWritten, Dataset dataset, boolean fresh, IntPredicate selected) {
        // The run keeps the name, folder and config of the matrix as written; it runs the one with its baselines.
        MatrixSpec spec = Roles.prepare(asWritten, registry, host::log);
        MatrixParams params = resolvePlugins(spec);
        if (!params.unchecked().isEmpty()) {
            host.log("parameters of " + String.join(", ", params.unchecked()) + " pass unchecked: the plug-in declares none"
                    + " (it predates @PurifyBenchPlugin)");
        }
        chooseSandboxLimits(spec, dataset);
        failures.clear();
        long start = System.nanoTime();
        Path runDir = runDir(workDir, asWritten);
        Path journalFile = runDir.resolve("journal.jsonl");
        try {
            Files.createDirectories(runDir);
            if (fresh) {
                Files.deleteIfExists(journalFile);
            }
        } catch (IOException e) {
            throw new UserException("cannot create run folder " + runDir + ": " + e.getMessage(), "choose a writable folder with --work-dir");
        }
        Journal journal = new Journal(journalFile, () -> host.log("run journal ended in a torn line (interrupted run): redoing that unit"));
        int reused = journal.size();
        if (reused > 0) {
            host.log("resuming " + runId(asWritten) + ": " + reused + " evaluation units already done");
        }
        ModelCache cache = new ModelCache(workDir.resolve("cache"), host::log);
        ArtefactCache artefacts = new ArtefactCache(workDir.resolve("cache").resolve("artefacts"), host::log);
        LabeledImages test = limit(dataset.test(), spec.dataset().testLimit());
        ModelSpec modelSpec = ModelSpec.of(spec.model().arch(), dataset.shape(), dataset.numClasses(),
                spec.model().width() > 0 ? spec.model().width() : ModelSpec.defaultWidth(spec.model().arch()));
        PhaseClock clock = new PhaseClock();
        RunScope scope = new RunScope(spec, params, dataset, modelSpec, test, journal, cache, artefacts, registry, host, failures, clock,
                hardware, defense -> purifier(spec, defense), new AtomicInteger());
        MatrixPlan plan = plan(spec, dataset, journal);
        List<CellInfo> cells = new ArrayList<>();
        Map<Long, RunScope.Seed> seeds = new LinkedHashMap<>();
        List<Runnable> cellTasks = new ArrayList<>();
        for (CellPlan cell : plan.cells()) {
            RunScope.Seed seed = seeds.computeIfAbsent(cell.seed(), scope::seed);
            Attack attack = registry.attack(cell.attack().id());
            CacheKeys.Key backdoored = CacheKeys.backdoored(seed.cleanKey(), cell.attack(), attack,
                    params.attack(cell.attack()).forAttack(cell.attack().id()), cell.rate(), spec.targetLabel());
            cells.add(new CellInfo(cell.cellId(), dataset.name(), modelSpec.architecture(), displayName(cell.attack(), spec.attacks()),
                    cell.rate(), cell.seed(), backdoored.hash()));
            CellPlan todo = selected == null ? cell : cell.only(selected);
            if (selected == null || !todo.missing().isEmpty()) {
                cellTasks.add(() -> new CellRun(scope, todo, seed, attack, backdoored).run());
            }
        }
        long[] memoBefore = memoCounts();
        runCells(cellTasks);
        long[] memoAfter = memoCounts();
        if (memoAfter != null) {
            host.log(String.format("predictions: %d served from the memo (repeated model and images), %d computed",
                    memoAfter[0] - memoBefore[0], memoAfter[1] - memoBefore[1]));
        }
        ResultsDocument doc = document(asWritten, spec, params, journal, cells, (System.nanoTime() - start) / 1e9, clock);
        List<FailedUnit> failed = failures.all();
        doc.setFailures(failed);
        Path resultsFile = runDir.resolve("results.json");
        ResultsIO.write(doc, resultsFile);
        Outcome outcome = new Outcome(runDir, resultsFile, doc, scope.computed().get(), reused);
        if (!failed.isEmpty()) {
            FailedUnit first = failed.get(0);
            throw new UnitsFailedException(failed.size() + " unit(s) of the matrix failed (first: " + first.cellId() + " defense '"
                    + first.defense() + "' " + (first.evaluator() == null ? "(all evaluators)" : "evaluator '" + first.evaluator() + "'")
                    + ", " + first.status().label() + "); " + resultsFile + " holds the " + journal.size()
                    + " unit(s) that finished and each failure (status, reason, the log's last lines)",
                    "see the report's \"Failed units\" and the run folder's " + RunLog.FILE + ", fix or leave out what failed,"
                            + " and run again: finished units are kept", outcome);
        }
        return outcome;
    }

    /** Prediction memo hits and misses so far, or null when the host's trainer is not ours. */
    private long[] memoCounts() {
        return host.trainer() instanceof SgdTrainer t ? t.predictionMemoHitsAndMisses() : null;
    }

    /** How {@code defense} runs: a built-in in this JVM, a third-party jar's in the sandbox. */
    private Purifier purifier(MatrixSpec spec, Defense defense) {
        Path jar = sandboxed(defense.descriptor());
        return jar == null ? new InProcessPurifier(defense, host, failures)
                : new SandboxedPurifier(jar, defense.descriptor(), () -> sandbox(spec), sandboxLock, failures);
    }

    /** The jar a defense runs from in the sandbox, or null for a built-in defense (it runs in this JVM). */
    private Path sandboxed(PluginDescriptor d) {
        PluginRegistry.Origin origin = registry.origin(d);
        return origin.builtIn() ? null : origin.jar();
    }

    private synchronized Sandbox sandbox(MatrixSpec spec) {
        if (sandbox == null) {
            List<Path> hidden = new ArrayList<>(List.of(workDir));
            if (spec.dataset().path() != null) {
                hidden.add(Path.of(spec.dataset().path()));
            }
            sandbox = new Sandbox(workDir.resolve("sandbox"), sandboxLimits, hidden, failures.sandboxLog(host::log));
        }
        return sandbox;
    }

    /**
     * The limits of this run's sandbox jobs: the caller's ({@link #sandboxLimits(SandboxLimits)}: verify
     * gives its kit's budget), else the system properties with a wall limit that scales with the
     * matrix (SandboxLimits.matrixWall), printed at the start so a user knows when a job will be killed.
     */
    private void chooseSandboxLimits(MatrixSpec spec, Dataset dataset) {
        if (sandboxLimits != null || spec.defenses().stream().allMatch(ref -> registry.origin(registry.defense(ref.id()).descriptor()).builtIn())) {
            return;
        }
        long images = limit(dataset.train(), spec.dataset().trainLimit()).size();
        Duration wall = SandboxLimits.matrixWall(images, spec.training().epochs(), spec.model().arch());
        sandboxLimits = SandboxLimits.fromSystemProperties(wall);
        host.log(SandboxLimits.wallGiven()
                ? "sandbox: wall limit per defense job " + human(sandboxLimits.wall()) + " (-Dpurifybench.sandbox.wall)"
                : "sandbox: wall limit per defense job " + human(wall) + " (10x one training of " + spec.model().arch() + " on " + images
                        + " images x " + spec.training().epochs() + " epochs at a pessimistic speed; -Dpurifybench.sandbox.wall=SECONDS"
                        + " overrides it)");
    }

    private static String human(Duration d) {
        return d.toMinutes() >= 120 ? String.format(Locale.ROOT, "%.1f h", d.toMinutes() / 60.0) : d.toMinutes() + " min";
    }

    /** Sandbox limits for every jar defense job of this runner (verify: the kit's time budget). */
    public MatrixRunner sandboxLimits(SandboxLimits limits) {
        this.sandboxLimits = limits;
        return this;
    }

    /**
     * The name rows carry: the plug-in id, so reports and the leaderboard can recognise it, unless
     * the matrix lists the same id twice with different parameters (then id plus parameters).
     * The parameters are in the config either way.
     */
    static String displayName(MatrixSpec.PluginRef ref, List<MatrixSpec.PluginRef> all) {
        long sameId = all.stream().filter(r -> r.id().equals(ref.id())).count();
        return sameId > 1 ? ref.label() : ref.id();
    }

    /** The matrix's plug-ins and their parameters, checked: what would fail later fails now. */
    private MatrixParams resolvePlugins(MatrixSpec spec) {
        MatrixParams params = MatrixParams.bind(spec, registry);
        // a jar defense that cannot be sandboxed here fails the run now, not after hours of training
        for (MatrixSpec.PluginRef ref : spec.defenses()) {
            PluginDescriptor d = registry.defense(ref.id()).descriptor();
            PluginRegistry.Origin origin = registry.origin(d);
            if (origin.builtIn()) {
                continue;
            }
            Sandbox.requireEnabled(d, origin.jar());
            Sandbox.requireSupported(d, origin.jar());
        }
        return params;
    }

    private static LabeledImages limit(LabeledImages data, int limit) {
        return limit > 0 && limit < data.size() ? data.range(0, limit) : data;
    }

    /** Runs the cells in order, or {@link #parallelCells} at a time; the first failure stops the rest. */
    private void runCells(List<Runnable> tasks) {
        if (parallelCells == 1 || tasks.size() < 2) {
            tasks.forEach(Runnable::run);
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(parallelCells, tasks.size()));
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            tasks.forEach(t -> futures.add(pool.submit(t)));
            for (java.util.concurrent.Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    pool.shutdownNow();
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UserException("interrupted while cells were running", "run again: finished units are kept");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private ResultsDocument document(MatrixSpec asWritten, MatrixSpec spec, MatrixParams params, Journal journal, List<CellInfo> cells, double wall,
                                     PhaseClock clock) {
        ResultsDocument doc = new ResultsDocument();
        doc.setRunId(runId(asWritten));
        doc.setCreatedAt(Instant.now().toString());
        doc.setProfile(asWritten.name());
        doc.setConfigHash(configHash(asWritten));
        doc.setConfig(params.config(asWritten));
        List<String> approx = new ArrayList<>(asWritten.approximationsOrEmpty());
        doc.setApproximations(approx);
        List<PluginInfo> plugins = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        spec.attacks().forEach(a -> addPlugin(plugins, seen, registry.attack(a.id()).descriptor()));
        spec.defenses().forEach(d -> addPlugin(plugins, seen, registry.defense(d.id()).descriptor()));
        spec.evaluators().forEach(e -> addPlugin(plugins, seen, registry.evaluator(e.id()).descriptor()));
        doc.setPlugins(plugins);
        doc.setCells(cells);
        List<ResultRow> rows = new ArrayList<>();
        List<Curve> curves = new ArrayList<>();
        for (Journal.Entry e : journal.entries()) {
            rows.addAll(e.rows());
            curves.addAll(e.curves());
        }
        doc.setRows(rows);
        doc.setCurves(curves);
        doc.setProvenance(hardware.provenance(wall, clock.seconds()));
        return doc;
    }

    private void addPlugin(List<PluginInfo> plugins, java.util.Set<String> seen, PluginDescriptor d) {
        if (!seen.add(d.kind() + "/" + d.id())) {
            return;
        }
        String source = registry.source(d);
        String sha = null;
        Path jar = registry.jar(d).orElse(null);
        if (jar != null) {
            try {
                sha = Hashing.ofFile(jar);
            } catch (IOException ignored) {
                // no hash rather than no run
            }
        }
        plugins.add(PluginInfos.of(d, source, sha, blankToNull(org.purifybench.core.plugin.DescriptorFile.shown(d.description())),
                blankToNull(org.purifybench.core.plugin.DescriptorFile.shown(d.paper()))));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
