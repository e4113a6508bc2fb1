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
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.purifybench.core.UserException;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.Datasets;
import org.purifybench.core.fingerprint.CodeVersion;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
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
        return run(spec, dataset(spec), fresh);
    }

    /** The dataset {@code spec} names, loaded (a missing one fails saying where to get it). */
    public static Dataset dataset(MatrixSpec spec) {
        return Datasets.load(spec.dataset().id(), spec.dataset().path() == null ? null : Path.of(spec.dataset().path()));
    }

    public Outcome run(MatrixSpec spec, Dataset dataset, boolean fresh) {
        return execute(spec, dataset, fresh, null, Mode.LOCAL).outcome();
    }

    /**
     * The plan of {@code spec} as this runner's work folder stands: every unit numbered, and whether its
     * run's journal (or a task's shard) holds it. Reads the journal; trains nothing.
     */
    public MatrixPlan plan(MatrixSpec asWritten, Dataset dataset) {
        resolvePlugins(asWritten);
        return plan(Roles.prepare(asWritten, registry, line -> { }), dataset, Journal.readOnly(runDir(workDir, asWritten)));
    }

    /**
     * Runs only the units {@code selected} (by {@link CellPlan.Unit#index}) that are not done yet, with the
     * models they need (trained, purified or loaded from this work folder's cache), and writes the
     * run's results as the journal then stands.
     */
    public Outcome runUnits(MatrixSpec spec, Dataset dataset, IntPredicate selected) {
        return execute(spec, dataset, false, selected, Mode.LOCAL).outcome();
    }

    private MatrixPlan plan(MatrixSpec spec, Dataset dataset, Journal journal) {
        return MatrixPlan.of(spec, registry, dataset.name(), spec.model().arch(), journal::isDone);
    }

    /**
     * How a process takes part in a run.
     *
     * @param shard        its journal shard, or null for the run's single journal
     * @param trainsModels whether it may train the clean and backdoored models (not stage 2's tasks)
     * @param writesResults whether it writes results.json (a single process does; tasks leave it to the merge)
     */
    private record Mode(String shard, boolean trainsModels, boolean writesResults) {
        static final Mode LOCAL = new Mode(null, true, true);
    }

    /** What {@link #execute} did; {@code outcome} is null when the mode writes no results. */
    private record Executed(Outcome outcome, List<FailedUnit> failures, int computed, Map<String, Double> phases) {
    }

    /** What every cell of a run shares, and the run's plan as its journal stands. */
    private record Opened(MatrixSpec spec, MatrixParams params, Path runDir, Journal journal, RunScope scope, MatrixPlan plan,
                          PhaseClock clock) {
    }

    /** Binds the matrix, opens its run folder and journal and makes the scope its cells share. */
    private Opened open(MatrixSpec asWritten, Dataset dataset, boolean fresh, Mode mode) {
        // The run keeps the name, folder and config of the matrix as written; it runs the one with its baselines.
        MatrixSpec spec = Roles.prepare(asWritten, registry, host::log);
        MatrixParams params = resolvePlugins(spec);
        if (!params.unchecked().isEmpty()) {
            host.log("parameters of " + String.join(", ", params.unchecked()) + " pass unchecked: the plug-in declares none"
                    + " (it predates @PurifyBenchPlugin)");
        }
        Prerequisites.require(asWritten, dataset, org.purifybench.core.weights.WeightsStore.standard());
        host.log("data: " + dataset.name() + " from " + dataset.source() + " - " + dataset.verification().summary());
        chooseSandboxLimits(spec, dataset);
        failures.clear();
        Path runDir = runDir(workDir, asWritten);
        try {
            Files.createDirectories(runDir);
            if (fresh) {
                Files.deleteIfExists(runDir.resolve(Journal.FILE));
                CacheEntry.delete(runDir.resolve(Journal.SHARDS));
                CacheEntry.delete(runDir.resolve(TaskRecord.FOLDER));
            }
        } catch (IOException e) {
            throw new UserException("cannot create run folder " + runDir + ": " + e.getMessage(), "choose a writable folder with --work-dir");
        }
        RunManifest.save(runDir, asWritten);
        Journal journal = Journal.of(runDir, mode.shard(), () -> host.log("run journal ended in a torn line (interrupted run): redoing that unit"));
        MatrixSpec.EngineSpec engineSpec = spec.engineOrDefault();
        ComputeEngine engine = Engines.open(engineSpec.id(), engineSpec.device());
        ModelCache cache = new ModelCache(workDir.resolve("cache"), host::log, engine);
        ArtefactCache artefacts = new ArtefactCache(workDir.resolve("cache").resolve("artefacts"), host::log);
        LabeledImages test = limit(dataset.test(), spec.dataset().testLimit());
        PhaseClock clock = new PhaseClock();
        RunScope scope = new RunScope(spec, params, dataset, modelSpec(spec, dataset), test, journal, cache, artefacts, registry, host, failures,
                clock, hardware, defense -> purifier(spec, defense), new AtomicInteger(), mode.trainsModels(), engine);
        return new Opened(spec, params, runDir, journal, scope, plan(spec, dataset, journal), clock);
    }

    private static ModelSpec modelSpec(MatrixSpec spec, Dataset dataset) {
        return ModelSpec.of(spec.model().arch(), dataset.shape(), dataset.numClasses(),
                spec.model().width() > 0 ? spec.model().width() : ModelSpec.defaultWidth(spec.model().arch()))
                .withInputSize(spec.model().resizeTo());
    }

    /** The key of {@code cell}'s backdoored model. */
    private CacheKeys.Key backdooredKey(MatrixSpec spec, MatrixParams params, CellPlan cell, CacheKeys.Key cleanKey) {
        return CacheKeys.backdoored(cleanKey, cell.attack(), registry.attack(cell.attack().id()),
                params.attack(cell.attack()).forAttack(cell.attack().id()), cell.rate(), spec.targetLabel());
    }

    /** Runs the plan's missing units, all of them or the {@code selected} ones. */
    private Executed execute(MatrixSpec asWritten, Dataset dataset, boolean fresh, IntPredicate selected, Mode mode) {
        long start = System.nanoTime();
        Opened run = open(asWritten, dataset, fresh, mode);
        RunScope scope = run.scope();
        int reused = run.journal().size();
        if (reused > 0 && mode.writesResults()) {
            host.log("resuming " + runId(asWritten) + ": " + reused + " evaluation units already done");
        }
        warnOtherCodeVersions(run.journal());
        List<CellInfo> cells = new ArrayList<>();
        Map<Long, RunScope.Seed> seeds = new LinkedHashMap<>();
        List<Runnable> cellTasks = new ArrayList<>();
        for (CellPlan cell : run.plan().cells()) {
            RunScope.Seed seed = seeds.computeIfAbsent(cell.seed(), scope::seed);
            Attack attack = registry.attack(cell.attack().id());
            CacheKeys.Key backdoored = backdooredKey(run.spec(), run.params(), cell, seed.cleanKey());
            cells.add(cellInfo(run.spec(), dataset, scope.modelSpec(), cell, backdoored));
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
        List<FailedUnit> failed = failures.all();
        if (!mode.writesResults()) {
            return new Executed(null, failed, scope.computed().get(), run.clock().seconds());
        }
        ResultsDocument doc = document(asWritten, run.spec(), run.params(), run.plan(), run.journal(), cells,
                hardware.provenance((System.nanoTime() - start) / 1e9, run.clock().seconds(), run.journal().unitsByCodeVersion(),
                        run.scope().engine()));
        doc.setFailures(failed);
        Path resultsFile = run.runDir().resolve("results.json");
        ResultsIO.write(doc, resultsFile);
        Outcome outcome = new Outcome(run.runDir(), resultsFile, doc, scope.computed().get(), reused);
        if (!failed.isEmpty()) {
            FailedUnit first = failed.get(0);
            throw new UnitsFailedException(failed.size() + " unit(s) of the matrix failed (first: " + first.cellId() + " defense '"
                    + first.defense() + "' " + (first.evaluator() == null ? "(all evaluators)" : "evaluator '" + first.evaluator() + "'")
                    + ", " + first.status().label() + "); " + resultsFile + " holds the " + run.journal().size()
                    + " unit(s) that finished and each failure (status, reason, the log's last lines)",
                    "see the report's \"Failed units\" and the run folder's " + RunLog.FILE + ", fix or leave out what failed,"
                            + " and run again: finished units are kept", outcome);
        }
        return new Executed(outcome, failed, scope.computed().get(), run.clock().seconds());
    }

    /**
     * Says when finished units of this run were computed by other code: their numbers are kept (the run
     * id covers the matrix, not the code), and the results' provenance counts the units per code version.
     */
    private void warnOtherCodeVersions(Journal journal) {
        Map<String, Integer> others = new LinkedHashMap<>(journal.unitsByCodeVersion());
        others.remove(CodeVersion.get());
        if (!others.isEmpty()) {
            host.log("note: " + others.values().stream().mapToInt(Integer::intValue).sum() + " finished unit(s) of this run were computed by"
                    + " other code (" + others + "; now " + CodeVersion.get() + "): they are kept and counted per code version in the"
                    + " results' provenance; --fresh recomputes every unit with this code");
        }
    }

    private static CellInfo cellInfo(MatrixSpec spec, Dataset dataset, ModelSpec modelSpec, CellPlan cell, CacheKeys.Key backdoored) {
        return new CellInfo(cell.cellId(), dataset.name(), modelSpec.architecture(), displayName(cell.attack(), spec.attacks()),
                cell.rate(), cell.seed(), backdoored.hash());
    }

    /**
     * The run's tasks for machines sharing this work folder ({@link RunTasks}), with what the cache and
     * the journal already hold. Trains nothing; writes the run's manifest so a task can find its matrix.
     */
    public RunTasks tasks(MatrixSpec asWritten, Dataset dataset) {
        MatrixSpec spec = Roles.prepare(asWritten, registry, line -> { });
        MatrixParams params = resolvePlugins(spec);
        Path runDir = runDir(workDir, asWritten);
        RunManifest.save(runDir, asWritten);
        MatrixPlan plan = plan(spec, dataset, Journal.readOnly(runDir));
        ModelSpec modelSpec = modelSpec(spec, dataset);
        ModelCache cache = new ModelCache(workDir.resolve("cache"), host::log);
        Map<Long, CacheKeys.Key> clean = new LinkedHashMap<>();
        java.util.function.LongFunction<CacheKeys.Key> cleanKey = seed -> clean.computeIfAbsent(seed,
                s -> CacheKeys.clean(dataset, modelSpec, spec, s));
        return RunTasks.of(runId(asWritten), plan, seed -> cleanKey.apply(seed).hash(),
                cell -> backdooredKey(spec, params, cell, cleanKey.apply(cell.seed())).hash(), cache::contains);
    }

    /**
     * The run's tasks when its dataset is not on this machine (a plan made before the data is added):
     * the journal is read as usual, but a model's cache key covers the data's source, so whether a
     * model is cached cannot be told and every model counts as missing (its key reads "unknown").
     */
    public RunTasks tasksWithoutData(MatrixSpec asWritten) {
        MatrixSpec spec = Roles.prepare(asWritten, registry, line -> { });
        resolvePlugins(spec);
        Path runDir = runDir(workDir, asWritten);
        RunManifest.save(runDir, asWritten);
        MatrixPlan plan = MatrixPlan.of(spec, registry, spec.dataset().id(), spec.model().arch(), Journal.readOnly(runDir)::isDone);
        return RunTasks.of(runId(asWritten), plan, seed -> "unknown (no data)", cell -> "unknown (no data)", key -> false);
    }

    /** The cost of what {@code tasks} (of {@code asWritten}) still has to do, with every plug-in's bound parameters. */
    public CostEstimate estimate(MatrixSpec asWritten, RunTasks tasks, CostEstimate.Sizes sizes) {
        MatrixSpec spec = Roles.prepare(asWritten, registry, line -> { });
        return CostEstimate.of(spec, tasks, CostEstimate.Bindings.of(resolvePlugins(spec)), sizes);
    }

    /** Where the run of {@code spec} stands in this work folder, per stage and task. */
    public RunStatus status(MatrixSpec asWritten, Dataset dataset) {
        return status(asWritten, dataset, job -> java.util.Optional.empty());
    }

    /**
     * As {@link #status(MatrixSpec, Dataset)}; {@code jobAlive} says whether a scheduler job still runs
     * (empty: cannot tell), so a task its scheduler killed (time limit, node failure) shows as died.
     */
    public RunStatus status(MatrixSpec asWritten, Dataset dataset, java.util.function.Function<String, java.util.Optional<Boolean>> jobAlive) {
        RunTasks tasks = tasks(asWritten, dataset);
        return RunStatus.of(runDir(workDir, asWritten), tasks, jobAlive);
    }

    /** What one task did: the units it computed and the ones that failed. */
    public record TaskOutcome(String task, int unitsComputed, List<FailedUnit> failures) {
    }

    /**
     * Runs one task of the run in this work folder, which other processes may share: stage 1 trains one
     * model (a clean or backdoored one, under the cache's lock), stage 2 runs one defense's units of one
     * cell from the cached models (a missing model fails the task, naming it) and journals them in the
     * task's own shard. The task's record ({@link TaskRecord}) says what it did. A task whose work is
     * already done does nothing, so resubmitting a run is safe.
     */
    public TaskOutcome runTask(MatrixSpec asWritten, Dataset dataset, RunTasks.Stage stage, int index) {
        RunTasks tasks = tasks(asWritten, dataset);
        tasks.check(stage, index);
        String task = tasks.describe(stage, index);
        Path runDir = runDir(workDir, asWritten);
        String host = HardwareInfo.hostName();
        long pid = ProcessHandle.current().pid();
        String started = Instant.now().toString();
        long start = System.nanoTime();
        String job = TaskRecord.slurmJob();
        new TaskRecord(stage.label(), index, task, TaskRecord.RUNNING, host, pid, started, null, job, null, null, null).write(runDir);
        try {
            Executed done = stage == RunTasks.Stage.TRAIN ? train(asWritten, dataset, tasks.train().get(index), stage.label() + "-" + index)
                    : execute(asWritten, dataset, false, Set.copyOf(tasks.evaluate().get(index).units())::contains,
                            new Mode(stage.label() + "-" + index, false, false));
            String state = done.failures().isEmpty() ? TaskRecord.DONE : TaskRecord.FAILED;
            String message = done.failures().isEmpty() ? null : done.failures().size() + " unit(s) failed, first: " + done.failures().get(0).reason();
            new TaskRecord(stage.label(), index, task, state, host, pid, started, Instant.now().toString(), job, message, done.failures(),
                    usage(start, done.phases())).write(runDir);
            return new TaskOutcome(task, done.computed(), done.failures());
        } catch (RuntimeException e) {
            String reason = UnitFailures.describe(e);
            new TaskRecord(stage.label(), index, task, TaskRecord.FAILED, host, pid, started, Instant.now().toString(), job, reason, null,
                    usage(start, Map.of())).write(runDir);
            if (e instanceof UserException) {
                throw e;
            }
            throw new UserException("task " + stage.label() + " " + index + " (" + task + ") failed: " + reason,
                    "its log says more (--debug prints the stack); fix the cause and run the task again (purifybench status "
                            + runId(asWritten) + " lists the run's tasks)", e);
        }
    }

    private TaskRecord.Usage usage(long startNanos, Map<String, Double> phases) {
        return new TaskRecord.Usage((System.nanoTime() - startNanos) / 1e9, phases, HardwareInfo.peakHeap(), hardware.peakResident());
    }

    /** Stage 1: one model, with the attack's preparation for a backdoored one; it journals nothing (its shard stays empty). */
    private Executed train(MatrixSpec asWritten, Dataset dataset, RunTasks.TrainTask task, String shard) {
        Opened run = open(asWritten, dataset, false, new Mode(shard, true, false));
        RunScope.Seed seed = run.scope().seed(task.seed());
        if (task.kind() == RunTasks.ModelKind.CLEAN) {
            seed.clean().get();
        } else {
            CellPlan cell = run.plan().cells().stream().filter(c -> c.cellId().equals(task.cellId())).findFirst().orElseThrow();
            new CellRun(run.scope(), cell, seed, registry.attack(cell.attack().id()), backdooredKey(run.spec(), run.params(), cell,
                    seed.cleanKey())).trainBackdoored();
        }
        return new Executed(null, List.of(), 0, run.clock().seconds());
    }

    /**
     * Assembles the results of a run made by tasks from its journal shards and writes results.json.
     * Fails, listing them, while units are missing (not run yet, still running, or failed: their
     * tasks' records say which).
     */
    public Outcome merge(MatrixSpec asWritten, Dataset dataset) {
        MatrixSpec spec = Roles.prepare(asWritten, registry, line -> { });
        MatrixParams params = resolvePlugins(spec);
        Path runDir = runDir(workDir, asWritten);
        Journal journal = Journal.readOnly(runDir);
        MatrixPlan plan = plan(spec, dataset, journal);
        List<CellPlan.Unit> missing = plan.missing();
        if (!missing.isEmpty()) {
            List<String> names = missing.stream().limit(10).map(u -> u.index() + " (" + u.journalKey() + ")").toList();
            throw new UserException("run " + runId(asWritten) + " is not complete: " + missing.size() + " of " + plan.units().size()
                    + " units are missing: " + String.join(", ", names) + (missing.size() > names.size() ? ", ..." : ""),
                    "`purifybench status " + runId(asWritten) + "` shows which tasks are missing, running or failed (with their"
                            + " reasons); run them (slurm submit again skips finished ones) and merge again");
        }
        ModelSpec modelSpec = modelSpec(spec, dataset);
        List<CellInfo> cells = new ArrayList<>();
        Map<Long, CacheKeys.Key> clean = new LinkedHashMap<>();
        for (CellPlan cell : plan.cells()) {
            CacheKeys.Key cleanKey = clean.computeIfAbsent(cell.seed(), s -> CacheKeys.clean(dataset, modelSpec, spec, s));
            cells.add(cellInfo(spec, dataset, modelSpec, cell, backdooredKey(spec, params, cell, cleanKey)));
        }
        // the compute the run took: its tasks' times summed (they ran on many machines at once), and the largest task's memory
        double seconds = 0;
        long peakHeap = 0;
        long peakResident = 0;
        Map<String, Double> phases = new LinkedHashMap<>();
        for (TaskRecord t : TaskRecord.readAll(runDir)) {
            if (t.usage() != null) {
                seconds += t.usage().seconds();
                t.usage().phases().forEach((k, v) -> phases.merge(k, v, Double::sum));
                peakHeap = Math.max(peakHeap, t.usage().peakHeapBytes());
                peakResident = Math.max(peakResident, t.usage().peakResidentBytes());
            }
        }
        ResultsDocument doc = document(asWritten, spec, params, plan, journal, cells,
                hardware.provenance(seconds, phases, journal.unitsByCodeVersion(), peakHeap, peakResident,
                        Engines.open(spec.engineOrDefault().id(), spec.engineOrDefault().device())));
        doc.setFailures(List.of());
        Path resultsFile = runDir.resolve("results.json");
        ResultsIO.write(doc, resultsFile);
        return new Outcome(runDir, resultsFile, doc, 0, journal.size());
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

    private ResultsDocument document(MatrixSpec asWritten, MatrixSpec spec, MatrixParams params, MatrixPlan plan, Journal journal,
                                     List<CellInfo> cells, org.purifybench.core.results.Provenance provenance) {
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
        for (Journal.Entry e : inPlanOrder(journal.entries(), plan)) {
            rows.addAll(e.rows());
            curves.addAll(e.curves());
        }
        doc.setRows(rows);
        doc.setCurves(curves);
        doc.setProvenance(provenance);
        return doc;
    }

    /**
     * The journal's entries in the order one process running the plan records them (each defense's
     * units, then its diagnostics), whatever order processes finished them in: a run made by cluster
     * tasks or parallel cells has the same results document as one made in sequence.
     */
    private static List<Journal.Entry> inPlanOrder(List<Journal.Entry> entries, MatrixPlan plan) {
        Map<String, Integer> order = new java.util.HashMap<>();
        for (CellPlan cell : plan.cells()) {
            CellPlan.Unit last = null;
            for (CellPlan.Unit u : cell.units()) {
                if (last != null && !last.defenseName().equals(u.defenseName())) {
                    order.put(CellPlan.Unit.key(cell.cellId(), last.defense(), DIAGNOSTICS), order.size());
                }
                order.put(u.journalKey(), order.size());
                last = u;
            }
            if (last != null) {
                order.put(CellPlan.Unit.key(cell.cellId(), last.defense(), DIAGNOSTICS), order.size());
            }
        }
        List<Journal.Entry> sorted = new ArrayList<>(entries);
        // entries of an earlier matrix shape (not in the plan) keep their journal order after the planned ones
        sorted.sort(java.util.Comparator.comparingInt(e -> order.getOrDefault(e.unit(), Integer.MAX_VALUE)));
        return sorted;
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
