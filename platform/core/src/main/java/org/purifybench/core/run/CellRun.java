package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.purifybench.core.data.Splits;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.results.Curve;
import org.purifybench.core.results.ResultRow;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Defense;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Model;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.StepHook;
import org.purifybench.toolkit.KeyedMemo;

/**
 * Runs one {@link CellPlan}: prepare the attack, train the backdoored and clean models, then for each
 * missing unit purify the defenses it needs (once per cell) and evaluate it. A defense's model is
 * dropped after the last unit that needs it. Finished units go to the journal as they end; a unit
 * that fails is recorded ({@link UnitFailures}) and the cell goes on with the next.
 */
final class CellRun {
    private final RunScope run;
    private final CellPlan plan;
    private final RunScope.Seed seed;
    private final Attack attack;
    private final CacheKeys.Key backdooredKey;
    private final Supplier<Backdoor> backdoor;
    private final Supplier<HostModel> backdoored;
    private final Map<String, DefenseModel> models = new LinkedHashMap<>();
    /** One memo per evaluator configuration, shared by all defenses (e.g. RA's control). */
    private final Map<String, Map<String, Object>> memo = new HashMap<>();
    /** One memo all evaluators of the cell share (e.g. QRA perturbations its transfer reuses). */
    private final Map<String, Object> cellMemo = new HashMap<>();
    /** DefenseContext.cellMemo: shared by the cell's defenses (PAM and BTI-SAM share one trigger inversion). */
    private final KeyedMemo<String, Object> defenseMemo = new KeyedMemo<>();
    /** The role of each defense of the cell, by the name results give it (evaluators ask for the oracle, not for "ep"). */
    private final Map<String, org.purifybench.spi.Role> roles;

    CellRun(RunScope run, CellPlan plan, RunScope.Seed seed, Attack attack, CacheKeys.Key backdooredKey) {
        this.run = run;
        this.plan = plan;
        this.seed = seed;
        this.attack = attack;
        this.backdooredKey = backdooredKey;
        this.roles = Roles.ofDefenses(run.spec(), run.registry());
        MatrixSpec spec = run.spec();
        MatrixSpec.PluginRef attackRef = plan.attack();
        Splits splits = seed.splits();
        this.backdoor = RunScope.once(RunScope.stage("attack '" + attackRef.label() + "' (its trigger)", () -> attack.prepare(
                Contexts.attack(attack.descriptor(), run.dataset().shape(), run.dataset().numClasses(), spec.targetLabel(), plan.rate(),
                        plan.seed(), run.params().attack(attackRef).forAttack(attackRef.id()), run.host(), splits.attackerTrain(), seed.clean(),
                        run.artefacts().storeFor(backdooredKey.description())))));
        this.backdoored = RunScope.once(RunScope.stage("the backdoored model (attack '" + attackRef.label() + "', seed " + plan.seed() + ")",
                () -> run.clock().time("backdoor-training", () -> run.model(backdooredKey, "the backdoored model of " + plan.cellId(), () -> {
                    PoisonedSet poisoned = backdoor.get().poison(splits.attackerTrain());
                    HostModel m = run.initialModel(plan.seed());
                    run.host().trainer().train(m, poisoned.data(), spec.training().toConfig(), StepHook.PLAIN, plan.seed(),
                            attackRef.label() + " backdoor (seed " + plan.seed() + ")");
                    return m;
                }))));
        for (int d = 0; d < spec.defenses().size(); d++) {
            MatrixSpec.PluginRef ref = spec.defenses().get(d);
            Defense defense = run.registry().defense(ref.id());
            models.put(plan.defenseNames().get(d), new DefenseModel(ref, plan.defenseNames().get(d), defense,
                    CacheKeys.purified(backdooredKey, ref, defense, run.params().defense(ref).forAttack(plan.attack().id()))));
        }
    }

    void run() {
        List<CellPlan.Unit> missing = plan.missing();
        if (!missing.isEmpty() && prepareAndTrain(missing)) {
            Map<String, Integer> lastUse = plan.lastUse();
            int position = 0;
            for (DefenseModel defense : models.values()) {
                for (CellPlan.Unit unit : plan.missingOf(defense.name)) {
                    evaluate(unit);
                    int done = position++;
                    lastUse.forEach((name, last) -> {
                        if (last == done) {
                            models.get(name).release();
                        }
                    });
                }
                recordDiagnostics(defense);
            }
        } else {
            models.values().forEach(this::recordDiagnostics);
        }
    }

    /** Stage 1 of a cluster run for this cell: the attack's preparation and the backdoored model (not the seed's clean model). */
    void trainBackdoored() {
        backdoor.get();
        backdoored.get();
    }

    /** Prepares the attack and trains (or loads) both models; false when one of them failed, which fails every missing unit. */
    private boolean prepareAndTrain(List<CellPlan.Unit> missing) {
        run.failures().unitStarts();
        try {
            run.clock().time("backdoor-training", () -> {
                backdoor.get();
                backdoored.get();
                return seed.clean().get();
            });
            return true;
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // not journaled: a later run tries the units again
            missing.forEach(u -> run.failures().record(plan.cellId(), u.defenseName(), u.evaluatorName(), e, run.host()));
            return false;
        }
    }

    /** Purifies what {@code unit} needs (what is not made yet), evaluates it and journals its rows. */
    private void evaluate(CellPlan.Unit unit) {
        run.failures().unitStarts();
        EvaluationResult r;
        try {
            List<HostModel> needed = new ArrayList<>();
            for (String name : unit.needs()) {
                needed.add(models.get(name).get());
            }
            Evaluator evaluator = run.registry().evaluator(unit.evaluator().id());
            Map<String, Supplier<? extends Model>> cellDefenses = new LinkedHashMap<>();
            models.forEach((name, m) -> cellDefenses.put(name, unit.needs().contains(name) ? m::get : m::unplanned));
            Contexts.EvaluationInputs inputs = new Contexts.EvaluationInputs(plan.attack().id(), unit.defense().id(), unit.defenseName(),
                    needed.get(0), backdoored.get(), seed.clean().get(), backdoor.get(), run.test(), seed.splits().retuningPool(),
                    cellDefenses);
            org.purifybench.spi.Params evalParams = run.params().evaluator(unit.evaluator()).forAttack(plan.attack().id());
            Contexts.Memos memos = new Contexts.Memos(memo.computeIfAbsent(unit.evaluator().id() + evalParams.asMap(), k -> new HashMap<>()),
                    cellMemo);
            r = run.clock().time("evaluators", () -> evaluator.evaluate(Roles.aware(Contexts.evaluation(inputs, plan.seed(),
                    evalParams, run.host(), memos), roles)));
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // not journaled: a later run tries the unit again
            run.failures().record(plan.cellId(), unit.defenseName(), unit.evaluatorName(), e, run.host());
            return;
        }
        String attackName = MatrixRunner.displayName(plan.attack(), run.spec().attacks());
        List<ResultRow> rows = new ArrayList<>();
        r.metrics().forEach((metric, value) -> rows.add(new ResultRow(plan.cellId(), run.dataset().name(), run.modelSpec().architecture(),
                attackName, plan.rate(), plan.seed(), unit.defenseName(), unit.evaluatorName(), metric, value)));
        List<Curve> curves = new ArrayList<>();
        r.curves().forEach((name, y) -> curves.add(new Curve(plan.cellId(), unit.defenseName(), unit.evaluatorName(), name,
                xValues(r, name, y.length), y)));
        run.journal().record(new Journal.Entry(unit.journalKey(), rows, curves));
        run.computed().incrementAndGet();
        run.host().log(String.format("done %s: %s", unit.journalKey(), summary(r)));
        run.hardware().samplePeakOffHeap();
    }

    /**
     * Journals what the defense reported about its own run (evaluator {@code diagnostics}), read from
     * its cache entry, so it is there whether the model was built now or earlier. An inferred
     * trigger target is compared with the attack's - for the reader only: the defense never sees it.
     */
    private void recordDiagnostics(DefenseModel defense) {
        String unit = CellPlan.Unit.key(plan.cellId(), defense.ref, MatrixRunner.DIAGNOSTICS);
        if (run.journal().isDone(unit)) {
            return;
        }
        Map<String, Object> description = run.cache().description(defense.key.hash());
        if (description == null || !(description.get(MatrixRunner.DIAGNOSTICS) instanceof Map<?, ?> reported)) {
            return;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        reported.forEach((k, v) -> metrics.put(k.toString(), ((Number) v).doubleValue()));
        Double inverted = metrics.get(MatrixRunner.INVERTED_TARGET);
        int target = run.spec().targetLabel();
        if (inverted != null) {
            boolean right = inverted.intValue() == target;
            metrics.put(MatrixRunner.INVERTED_TARGET + "-correct", right ? 1.0 : 0.0);
            run.host().log(String.format("%s %s: trigger inversion inferred target %d, the attack's target is %d%s", plan.cellId(),
                    defense.name, inverted.intValue(), target,
                    right ? "" : " - WRONG (diagnostic only; the defense never sees the true target)"));
        }
        List<ResultRow> rows = new ArrayList<>();
        String attackName = MatrixRunner.displayName(plan.attack(), run.spec().attacks());
        metrics.forEach((metric, value) -> rows.add(new ResultRow(plan.cellId(), run.dataset().name(), run.modelSpec().architecture(),
                attackName, plan.rate(), plan.seed(), defense.name, MatrixRunner.DIAGNOSTICS, metric, value)));
        run.journal().record(new Journal.Entry(unit, rows, List.of()));
    }

    /**
     * One defense's model in this cell: made at most once while units need it (a failure too: every
     * unit that needs it gets the same failure), dropped after its last planned use. An evaluator that
     * asks for it without having declared the need gets it made on the spot, and then it is kept for
     * the rest of the cell.
     */
    private final class DefenseModel {
        final MatrixSpec.PluginRef ref;
        final String name;
        final Purifier purifier;
        final CacheKeys.Key key;
        private HostModel model;
        private RuntimeException failure;
        private boolean kept;

        DefenseModel(MatrixSpec.PluginRef ref, String name, Defense defense, CacheKeys.Key key) {
            this.ref = ref;
            this.name = name;
            this.purifier = run.purifiers().apply(defense);
            this.key = key;
        }

        synchronized HostModel get() {
            if (failure != null) {
                throw failure;
            }
            if (model == null) {
                try {
                    model = run.clock().time("defenses", this::loadOrPurify);
                } catch (RuntimeException e) {
                    if (!Thread.currentThread().isInterrupted()) {
                        failure = e;
                    }
                    throw e;
                }
            }
            return model;
        }

        synchronized HostModel unplanned() {
            kept = true;
            return get();
        }

        synchronized void release() {
            if (!kept) {
                model = null;
            }
        }

        private HostModel loadOrPurify() {
            // the build adds the defense's diagnostics; the entry keeps them, so a cached model still reports them
            Map<String, Object> description = key.describe();
            return run.cache().getOrBuild(key.hash(), description, () -> {
                Purifier.Purified p = purifier.purify(new Purifier.Job(name, backdoored.get(), seed.splits().tuning(),
                        seed.splits().validation(), backdoor.get(), seed.clean(), plan.seed(), run.params().defense(ref).forAttack(plan.attack().id()), run.modelSpec(),
                        defenseMemo));
                if (!p.diagnostics().isEmpty()) {
                    description.put(MatrixRunner.DIAGNOSTICS, p.diagnostics());
                }
                return p.model();
            }).model();
        }
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
}
