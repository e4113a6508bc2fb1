package org.purifybench.core.run;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.Datasets;
import org.purifybench.core.data.Splits;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.plugin.JarDefense;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.CellInfo;
import org.purifybench.core.results.Curve;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.PluginInfo;
import org.purifybench.core.results.Provenance;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.core.sandbox.SandboxLimits;
import org.purifybench.core.train.SgdTrainer;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Defense;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Host;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.SpiVersion;
import org.purifybench.spi.StepHook;

/**
 * Runs a matrix: for each seed, poison rate and attack (a cell) it trains or loads the clean and
 * backdoored models, applies every defense and every evaluator, and journals each finished
 * (cell, defense, evaluator) unit. Models come from the {@link ModelCache}; nothing is trained
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
    private final Map<String, Double> phaseSeconds = new LinkedHashMap<>();
    private long peakOffHeap;
    /** Per worker thread: cells may run in parallel, and each nests its own phases. */
    private final ThreadLocal<java.util.ArrayDeque<String>> phaseStack = ThreadLocal.withInitial(java.util.ArrayDeque::new);
    private final ThreadLocal<long[]> phaseStart = ThreadLocal.withInitial(() -> new long[1]);
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
        Dataset dataset = Datasets.load(spec.dataset().id(), spec.dataset().path() == null ? null : Path.of(spec.dataset().path()));
        return run(spec, dataset, fresh);
    }

    public Outcome run(MatrixSpec spec, Dataset dataset, boolean fresh) {
        MatrixParams params = resolvePlugins(spec);
        if (!params.unchecked().isEmpty()) {
            host.log("parameters of " + String.join(", ", params.unchecked()) + " pass unchecked: the plug-in declares none"
                    + " (it predates @PurifyBenchPlugin)");
        }
        chooseSandboxLimits(spec, dataset);
        failures.clear();
        long start = System.nanoTime();
        Path runDir = runDir(workDir, spec);
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
            host.log("resuming " + runId(spec) + ": " + reused + " evaluation units already done");
        }
        ModelCache cache = new ModelCache(workDir.resolve("cache"), host::log);
        ArtefactCache artefacts = new ArtefactCache(workDir.resolve("cache").resolve("artefacts"), host::log);
        LabeledImages test = limit(dataset.test(), spec.dataset().testLimit());
        ModelSpec modelSpec = ModelSpec.of(spec.model().arch(), dataset.shape(), dataset.numClasses(),
                spec.model().width() > 0 ? spec.model().width() : ModelSpec.defaultWidth(spec.model().arch()));
        List<CellInfo> cells = new ArrayList<>();
        RunScope scope = new RunScope(spec, params, dataset, modelSpec, test, journal, cache, artefacts,
                new java.util.concurrent.atomic.AtomicInteger());
        List<Runnable> cellTasks = new ArrayList<>();
        long[] memoBefore = memoCounts();
        for (long seed : spec.seeds()) {
            Splits splits = Splits.make(dataset, spec.splitConfig(), seed);
            Map<String, Object> cleanKey = new LinkedHashMap<>();
            cleanKey.put("kind", "clean");
            cleanKey.put("dataset", dataset.name());
            cleanKey.put("datasetSource", dataset.source());
            cleanKey.put("model", modelSpec);
            cleanKey.put("training", spec.training());
            cleanKey.put("splits", spec.splitConfig());
            cleanKey.put("seed", seed);
            cleanKey.put("trainingCode", CodeFingerprint.training());
            Supplier<SdModel> clean = lazy(stage("the clean model (seed " + seed + ")", () -> timed("backdoor-training", () -> cache.getOrBuild(Hashing.ofJson(cleanKey), cleanKey, () -> {
                SdModel m = SdModel.create(modelSpec, seed);
                host.trainer().train(m, splits.attackerTrain(), spec.training().toConfig(), StepHook.PLAIN, seed, "clean model (seed " + seed + ")");
                return m;
            }).model())));
            for (double rate : spec.poisonRates()) {
                for (MatrixSpec.PluginRef attackRef : spec.attacks()) {
                    if (!attackRef.runsAt(rate)) {
                        continue;
                    }
                    Attack attack = registry.attack(attackRef.id());
                    Map<String, Object> bdKey = new LinkedHashMap<>(cleanKey);
                    bdKey.put("kind", "backdoored");
                    // the resolved parameters (defaults included), not the text: settings that run the same share a model
                    bdKey.put("attack", attackRef.id());
                    bdKey.put("attackParams", params.attack(attackRef).forAttackMap(attackRef.id()));
                    bdKey.put("attackVersion", attack.descriptor().version());
                    bdKey.put("attackCode", CodeFingerprint.ofPlugin(attack.getClass()));
                    bdKey.put("poisonRate", rate);
                    bdKey.put("target", spec.targetLabel());
                    String bdHash = Hashing.ofJson(bdKey);
                    String cellId = dataset.name() + "/" + modelSpec.architecture() + "/" + attackRef.label() + "/" + rate + "/seed" + seed;
                    cells.add(new CellInfo(cellId, dataset.name(), modelSpec.architecture(), displayName(attackRef, spec.attacks()), rate, seed, bdHash));
                    Cell cell = new Cell(cellId, seed, rate, attackRef, attack, splits, clean, bdKey, bdHash);
                    cellTasks.add(() -> runCell(scope, cell));
                }
            }
        }
        runCells(cellTasks);
        long[] memoAfter = memoCounts();
        if (memoAfter != null) {
            host.log(String.format("predictions: %d served from the memo (repeated model and images), %d computed",
                    memoAfter[0] - memoBefore[0], memoAfter[1] - memoBefore[1]));
        }
        ResultsDocument doc = document(spec, params, journal, cells, (System.nanoTime() - start) / 1e9);
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

    /** Tags what a cell's units share, so a unit that fails for want of it says so (and the rest of the run goes on). */
    private static <T> Supplier<T> stage(String what, Supplier<T> s) {
        return () -> {
            try {
                return s.get();
            } catch (UnitFailures.StageFailed | UnitFailures.DefenseFailed e) {
                throw e;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                throw new UnitFailures.StageFailed(what, e);
            }
        };
    }

    /** What every cell of one run shares. */
    private record RunScope(MatrixSpec spec, MatrixParams params, Dataset dataset, ModelSpec modelSpec, LabeledImages test, Journal journal,
                            ModelCache cache, ArtefactCache artefacts, java.util.concurrent.atomic.AtomicInteger computed) {
    }

    /** One cell: a seed (its splits and clean model), a poison rate and an attack. */
    private record Cell(String id, long seed, double rate, MatrixSpec.PluginRef attackRef, Attack attack, Splits splits,
                        Supplier<SdModel> clean, Map<String, Object> bdKey, String bdHash) {
    }

    /** Prediction memo hits and misses so far, or null when the host's trainer is not ours. */
    private long[] memoCounts() {
        return host.trainer() instanceof SgdTrainer t ? t.predictionMemoHitsAndMisses() : null;
    }

    /** Backdoor, defenses and evaluators of one cell; finished units go to the journal as they end. */
    private void runCell(RunScope run, Cell cell) {
        MatrixSpec spec = run.spec();
        Dataset dataset = run.dataset();
        ModelSpec modelSpec = run.modelSpec();
        LabeledImages test = run.test();
        Journal journal = run.journal();
        ModelCache cache = run.cache();
        long seed = cell.seed();
        double rate = cell.rate();
        MatrixSpec.PluginRef attackRef = cell.attackRef();
        Attack attack = cell.attack();
        Splits splits = cell.splits();
        Supplier<SdModel> clean = cell.clean();
        Map<String, Object> bdKey = cell.bdKey();
        String cellId = cell.id();
        Supplier<Backdoor> backdoor = lazy(stage("attack '" + attackRef.label() + "' (its trigger)", () -> attack.prepare(Contexts.attack(attack.descriptor(), dataset.shape(),
                dataset.numClasses(), spec.targetLabel(), rate, seed, run.params().attack(attackRef).forAttack(attackRef.id()), host,
                splits.attackerTrain(), clean, run.artefacts().storeFor(bdKey)))));
        Supplier<SdModel> backdoored = lazy(stage("the backdoored model (attack '" + attackRef.label() + "', seed " + seed + ")",
                () -> timed("backdoor-training", () -> cache.getOrBuild(cell.bdHash(), bdKey, () -> {
            PoisonedSet poisoned = backdoor.get().poison(splits.attackerTrain());
            SdModel m = SdModel.create(modelSpec, seed);
            host.trainer().train(m, poisoned.data(), spec.training().toConfig(), StepHook.PLAIN, seed,
                    attackRef.label() + " backdoor (seed " + seed + ")");
            return m;
        }).model())));
        // One memo per evaluator configuration per cell, shared by all defenses (e.g. RA's control),
        // and one all evaluators of the cell share (e.g. QRA perturbations its transfer reuses).
        Map<String, Map<String, Object>> memo = new HashMap<>();
        Map<String, Object> cellMemo = new HashMap<>();
        // Every defense's model, purified lazily: an evaluator may ask for another defense's model.
        Map<String, Supplier<? extends Model>> purifiedByName = new LinkedHashMap<>();
        Map<String, String> purifiedHashes = new HashMap<>();
        for (MatrixSpec.PluginRef defenseRef : spec.defenses()) {
            Defense defense = registry.defense(defenseRef.id());
            org.purifybench.spi.Params defenseParams = run.params().defense(defenseRef).forAttack(attackRef.id());
            Map<String, Object> pKey = new LinkedHashMap<>(bdKey);
            pKey.put("kind", "purified");
            pKey.put("defense", defenseRef.id());
            pKey.put("defenseParams", defenseParams.asMap());
            pKey.put("defenseVersion", defense.descriptor().version());
            pKey.put("defenseCode", defense instanceof JarDefense jd ? CodeFingerprint.ofPlugin(jd.jar(), jd.className())
                    : CodeFingerprint.ofPlugin(defense.getClass()));
            Path sandboxedJar = sandboxed(defense.descriptor());
            String defenseName = displayName(defenseRef, spec.defenses());
            String pHash = Hashing.ofJson(pKey);
            purifiedHashes.put(defenseName, pHash);
            // The build adds the defense's diagnostics; the entry keeps them, so a cached model still reports them.
            Map<String, Object> pDescription = new LinkedHashMap<>(pKey);
            // lazy: one attempt per cell, however many units ask; a failure is thrown to each of them
            Supplier<SdModel> purified = lazy(() -> timed("defenses", () -> cache.getOrBuild(pHash, pDescription, () -> {
                if (sandboxedJar != null) {
                    SdModel input = backdoored.get();
                    try {
                        synchronized (sandboxLock) { // one child JVM at a time, whatever runs in parallel
                            failures.sandboxJobStarts();
                            return sandbox(spec).purify(sandboxedJar, defense.descriptor(), input, splits.tuning(),
                                    splits.validation(), clean, seed, defenseParams);
                        }
                    } catch (SandboxException e) {
                        throw failures.sandboxed(defenseName, e);
                    }
                }
                Map<String, Double> diagnostics = new LinkedHashMap<>();
                Contexts.DefenseInputs inputs = new Contexts.DefenseInputs(backdoored.get(), splits.tuning(), splits.validation(),
                        backdoor.get(), clean);
                SdModel sdm;
                try {
                    Model out = defense.purify(Contexts.defense(defense.descriptor(), inputs, seed, defenseParams, host,
                            diagnostics::put));
                    if (!(out instanceof SdModel m) || !m.spec().equals(modelSpec)) {
                        throw new UserException("defense '" + defenseRef.id() + "' returned a model of another architecture",
                                "return the context's model (or a copy of it) after modifying its parameters");
                    }
                    sdm = m;
                } catch (UnitFailures.StageFailed | UnitFailures.DefenseFailed e) {
                    throw e; // what the defense asked for (the clean model, another defense's) failed, not the defense
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    throw failures.builtIn(defenseName, e);
                }
                if (!diagnostics.isEmpty()) {
                    pDescription.put(DIAGNOSTICS, diagnostics);
                }
                return sdm;
            }).model()));
            purifiedByName.put(defenseName, purified);
        }
        for (MatrixSpec.PluginRef defenseRef : spec.defenses()) {
            String defenseName = displayName(defenseRef, spec.defenses());
            Supplier<? extends Model> purified = purifiedByName.get(defenseName);
            for (MatrixSpec.PluginRef evalRef : spec.evaluators()) {
                String unit = cellId + "|" + defenseRef.label() + "|" + evalRef.label();
                if (journal.isDone(unit)) {
                    continue;
                }
                Evaluator evaluator = registry.evaluator(evalRef.id());
                String evalName = displayName(evalRef, spec.evaluators());
                org.purifybench.spi.Params evalParams = run.params().evaluator(evalRef).forAttack(attackRef.id());
                EvaluationResult r;
                failures.unitStarts();
                try {
                    r = timed("evaluators", () -> evaluator.evaluate(Contexts.evaluation(
                            new Contexts.EvaluationInputs(attackRef.id(), defenseRef.id(), defenseName, purified.get(),
                                    backdoored.get(), clean.get(), backdoor.get(), test, splits.retuningPool(), purifiedByName),
                            seed, evalParams, host,
                            new Contexts.Memos(memo.computeIfAbsent(evalRef.id() + evalParams.asMap(), k -> new HashMap<>()), cellMemo))));
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    // not journaled: a later run tries the unit again
                    failures.record(cellId, defenseName, evalName, e, host);
                    continue;
                }
                String attackName = displayName(attackRef, spec.attacks());
                List<ResultRow> rows = new ArrayList<>();
                r.metrics().forEach((metric, value) -> rows.add(new ResultRow(cellId, dataset.name(), modelSpec.architecture(),
                        attackName, rate, seed, defenseName, evalName, metric, value)));
                List<Curve> curves = new ArrayList<>();
                r.curves().forEach((name, y) -> curves.add(new Curve(cellId, defenseName, evalName, name, xValues(r, name, y.length), y)));
                journal.record(new Journal.Entry(unit, rows, curves));
                run.computed().incrementAndGet();
                host.log(String.format("done %s: %s", unit, summary(r)));
                samplePeakOffHeap();
            }
            recordDiagnostics(run, cell, defenseRef, defenseName, purifiedHashes.get(defenseName));
        }
    }

    /**
     * Journals what the defense reported about its own run (evaluator {@code diagnostics}), read from
     * its cache entry, so it is there whether the model was built now or earlier. An inferred
     * trigger target is compared with the attack's - for the reader only: the defense never sees it.
     */
    private void recordDiagnostics(RunScope run, Cell cell, MatrixSpec.PluginRef defenseRef, String defenseName, String pHash) {
        String unit = cell.id() + "|" + defenseRef.label() + "|" + DIAGNOSTICS;
        if (run.journal().isDone(unit)) {
            return;
        }
        Map<String, Object> description = run.cache().description(pHash);
        if (description == null || !(description.get(DIAGNOSTICS) instanceof Map<?, ?> reported)) {
            return;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        reported.forEach((k, v) -> metrics.put(k.toString(), ((Number) v).doubleValue()));
        Double inverted = metrics.get(INVERTED_TARGET);
        if (inverted != null) {
            boolean right = inverted.intValue() == run.spec().targetLabel();
            metrics.put(INVERTED_TARGET + "-correct", right ? 1.0 : 0.0);
            host.log(String.format("%s %s: trigger inversion inferred target %d, the attack's target is %d%s", cell.id(), defenseName,
                    inverted.intValue(), run.spec().targetLabel(), right ? "" : " - WRONG (diagnostic only; the defense never sees the true target)"));
        }
        List<ResultRow> rows = new ArrayList<>();
        String attackName = displayName(cell.attackRef(), run.spec().attacks());
        metrics.forEach((metric, value) -> rows.add(new ResultRow(cell.id(), run.dataset().name(), run.modelSpec().architecture(),
                attackName, cell.rate(), cell.seed(), defenseName, DIAGNOSTICS, metric, value)));
        run.journal().record(new Journal.Entry(unit, rows, List.of()));
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

    /** A curve's x values; the schema requires them, so a curve without any gets 0..n-1. */
    private static double[] xValues(EvaluationResult r, String name, int n) {
        double[] x = r.curveX(name);
        return x != null ? x : java.util.stream.IntStream.range(0, n).asDoubleStream().toArray();
    }

    private static String summary(EvaluationResult r) {
        StringBuilder sb = new StringBuilder();
        r.metrics().forEach((k, v) -> sb.append(k).append('=').append(String.format("%.4f", v)).append(' '));
        return sb.toString().trim();
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

    /**
     * Runs {@code work} charged to {@code phase}. Phases nest (an evaluator's first use of a model
     * triggers its training), so time is charged exclusively: the enclosing phase's clock stops
     * while a nested one runs, and the phase shares add up to at most the wall time (times the
     * number of cells run in parallel).
     */
    private <T> T timed(String phase, Supplier<T> work) {
        java.util.ArrayDeque<String> stack = phaseStack.get();
        long[] start = phaseStart.get();
        long now = System.nanoTime();
        if (!stack.isEmpty()) {
            charge(stack.peek(), now - start[0]);
        }
        stack.push(phase);
        start[0] = now;
        try {
            return work.get();
        } finally {
            long end = System.nanoTime();
            charge(stack.pop(), end - start[0]);
            start[0] = end;
        }
    }

    private void charge(String phase, long nanos) {
        synchronized (phaseSeconds) {
            phaseSeconds.merge(phase, nanos / 1e9, Double::sum);
        }
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

    private synchronized void samplePeakOffHeap() {
        peakOffHeap = Math.max(peakOffHeap, Pointer.physicalBytes());
    }

    /**
     * Memoising supplier: models are built at most once, and only if some unit needs them. A failure
     * is memoised too (rethrown to every later caller): what failed in a run is not tried again in it.
     */
    static <T> Supplier<T> lazy(Supplier<T> s) {
        return new Supplier<>() {
            private T value;
            private RuntimeException failure;

            @Override
            public synchronized T get() {
                if (failure != null) {
                    throw failure;
                }
                if (value == null) {
                    try {
                        value = s.get();
                    } catch (RuntimeException e) {
                        if (!Thread.currentThread().isInterrupted()) {
                            failure = e;
                        }
                        throw e;
                    }
                }
                return value;
            }
        };
    }

    private ResultsDocument document(MatrixSpec spec, MatrixParams params, Journal journal, List<CellInfo> cells, double wall) {
        ResultsDocument doc = new ResultsDocument();
        doc.setRunId(runId(spec));
        doc.setCreatedAt(Instant.now().toString());
        doc.setProfile(spec.name());
        doc.setConfigHash(configHash(spec));
        doc.setConfig(params.config(spec));
        List<String> approx = new ArrayList<>(spec.approximationsOrEmpty());
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
        samplePeakOffHeap();
        doc.setProvenance(new Provenance(CodeVersion.get(), SpiVersion.CURRENT, System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                cpuModel(), Runtime.getRuntime().availableProcessors(), backend(), "cpu", wall, new LinkedHashMap<>(phaseSeconds),
                peakHeap(), peakOffHeap));
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
        boolean reference = d.id().equals("none") || d.id().equals("clean");
        plugins.add(new PluginInfo(d.kind().name().toLowerCase(), d.id(), d.version(), source, sha,
                d.needs(Need.ORACLE_TRIGGER), reference, blankToNull(org.purifybench.core.plugin.DescriptorFile.shown(d.description())),
                blankToNull(org.purifybench.core.plugin.DescriptorFile.shown(d.paper()))));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String backend() {
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        String ext = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
        return Nd4j.getBackend().getClass().getSimpleName() + " (" + String.valueOf(env.getOrDefault("blas.vendor", "?"))
                + (ext.isEmpty() ? "" : ", native build " + ext.substring(1)) + ", " + String.valueOf(env.getOrDefault("omp.threads", "?")) + " threads)";
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
