package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.purifybench.core.bench.Throughput;
import org.purifybench.core.data.SplitConfig;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Params;

/**
 * What a matrix still costs, counted in image passes and turned into hours with a measured (or
 * given) throughput. A train pass is one forward + backward of one image; an inversion pass is one
 * forward + backward through the model for a trigger generator or mask (timed as a train pass); an
 * inference pass is one forward of one image. Models the cache holds and units the journal holds are
 * left out (and counted as such).
 *
 * <p>Model training: each clean model (per seed) and each backdoored model (per cell) is
 * {@code training.epochs x attacker-train images} train passes (an attack's own preparation, e.g.
 * SSBA's encoder or LC's PGD, is not counted).
 *
 * <p>Defenses, one purification per cell x defense still to do; {@code T} = tuning images:
 * <table>
 * <tr><th>id</th><th>train passes</th><th>inversion passes</th></tr>
 * <tr><td>none, clean</td><td>0 (the clean model is stage 1's)</td><td>0</td></tr>
 * <tr><td>ft, ep</td><td>epochs x T</td><td>0</td></tr>
 * <tr><td>fst</td><td>epochs x min(samples, T)</td><td>0</td></tr>
 * <tr><td>ft-sam</td><td>2 x epochs x T (SAM's two gradients)</td><td>0</td></tr>
 * <tr><td>bti-dbf</td><td>rounds x epochs x T</td><td>rounds x (mask-epochs + generator-epochs + refine-epochs) x T</td></tr>
 * <tr><td>pam, bti-sam</td><td>2 x rounds x epochs x T (two gradients a step)</td><td>as bti-dbf</td></tr>
 * <tr><td>anp</td><td>2 x iterations x batch-size (clean and perturbed loss)</td><td>0</td></tr>
 * <tr><td>i-bau</td><td>{@value #IBAU_PASSES_PER_IMAGE} x rounds x T</td><td>0</td></tr>
 * <tr><td>any other</td><td>epochs x T when it has an {@code epochs} parameter, else not estimated</td><td>0</td></tr>
 * </table>
 * I-BAU's factor: per batch the outer gradient (1), the fixed point of delta (K = 5 input gradients),
 * K Hessian-vector products (about 2 each) and the central-difference mixed product (2 theta
 * gradients): about 18, rounded to {@value #IBAU_PASSES_PER_IMAGE} for the perturbation search.
 * PAM with {@code rho: auto} is counted as one try; it retrains for each rho of its grid that misses
 * the C-Acc budget (up to the grid's size).
 *
 * <p>Evaluators, per unit (cell x defense x evaluator) still to do; {@code N} = test images (after
 * {@code testLimit}):
 * <table>
 * <tr><th>id</th><th>train passes</th><th>inference passes</th></tr>
 * <tr><td>accuracy</td><td>0</td><td>2 x N (clean + triggered)</td></tr>
 * <tr><td>ra</td><td>epochs x samples, plus the clean-model control once per cell</td><td>3 x N (O-ASR, P-ASR, P-C-Acc), control 2 x N</td></tr>
 * <tr><td>qra, qra-transfer</td><td>3 x epochs x (clean-samples + poisoned-samples) + ra-epochs x ra-samples; the
 *     generator once per defense when qra and qra-transfer have equal settings (but {@code defenses})</td><td>2 x (test-samples or N)</td></tr>
 * <tr><td>lmc</td><td>0</td><td>paths x points x 2 x (test-samples or N) + paths x (points - 2) x retuning pool (BN recalibration);
 *     2 paths when the matrix runs ep (the oracle), else 1</td></tr>
 * <tr><td>any other</td><td colspan="2">not estimated</td></tr>
 * </table>
 * These rules are rough by design: they count the dominant loops only, not validation passes,
 * selection grids or models and results evaluators share beyond the RA control and the QRA generator.
 */
public final class CostEstimate {
    /** Train passes per tuning image and round of I-BAU (see the class comment). */
    public static final int IBAU_PASSES_PER_IMAGE = 20;

    /** The three kinds of work a run does. */
    public enum Stage {
        MODELS("model training"), DEFENSES("defenses"), EVALUATORS("evaluators");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Image passes: train (forward + backward), inversion (forward + backward for a trigger generator), inference (forward). */
    public record Passes(long train, long inversion, long inference) {
        public static final Passes ZERO = new Passes(0, 0, 0);

        public Passes plus(Passes o) {
            return new Passes(train + o.train, inversion + o.inversion, inference + o.inference);
        }

        /** Passes timed at the training throughput. */
        public long trainLike() {
            return train + inversion;
        }
    }

    /**
     * The sizes of the parts of the training set and of the test set, as {@link org.purifybench.core.data.Splits#make}
     * cuts them.
     *
     * @param fromCatalog whether the sizes come from {@link org.purifybench.core.data.DatasetShapes} (no data here)
     */
    public record Sizes(int attackerTrain, int tuning, int validation, int retuningPool, int test, boolean fromCatalog) {

        /** The sizes {@code Splits.make} gives a training set of {@code trainImages} (same arithmetic). */
        public static Sizes of(SplitConfig c, int trainImages, int testImages, int testLimit, boolean fromCatalog) {
            int tuning = (int) Math.round(c.tuningFraction() * trainImages);
            int validation = (int) Math.round(c.validationFraction() * trainImages);
            long rest = Math.max(0, (long) trainImages - tuning - validation - c.retuningPoolSize());
            int attacker = (int) (c.attackerTrainLimit() > 0 ? Math.min(rest, c.attackerTrainLimit()) : rest);
            int test = testLimit > 0 && testLimit < testImages ? testLimit : testImages;
            return new Sizes(attacker, tuning, validation, c.retuningPoolSize(), test, fromCatalog);
        }
    }

    /** A plug-in setting's parameters in a cell of an attack (defaults filled in: {@link #of(MatrixParams)}). */
    public interface Bindings {
        Params defense(MatrixSpec.PluginRef ref, String attackId);

        Params evaluator(MatrixSpec.PluginRef ref, String attackId);

        /** The bound parameters of a matrix (declared defaults included). */
        static Bindings of(MatrixParams params) {
            return new Bindings() {
                @Override
                public Params defense(MatrixSpec.PluginRef ref, String attackId) {
                    return params.defense(ref).forAttack(attackId);
                }

                @Override
                public Params evaluator(MatrixSpec.PluginRef ref, String attackId) {
                    return params.evaluator(ref).forAttack(attackId);
                }
            };
        }
    }

    /**
     * One line of the estimate: the work still to do for one kind of model or one plug-in setting.
     *
     * @param count models, defense tasks (cell x defense) or units (cell x defense x evaluator) to do
     * @param rule  how the passes were counted
     */
    public record Row(Stage stage, String name, int count, Passes passes, String rule) {
    }

    /** A setting the rule table has no rule for: its work is left out of the totals. */
    public record NotEstimated(Stage stage, String name, int count, String why) {
    }

    /** What is already done and so not counted. */
    public record Done(int cachedModels, int models, int doneTasks, int tasks, int doneUnits, int units) {
    }

    /**
     * Images per second, as measured or given.
     *
     * @param source how they were obtained, for the report (e.g. "measured", "given with --throughput")
     */
    public record Rates(double trainImagesPerSecond, double inferImagesPerSecond, int batch, String engine, String device, String source) {
        public Rates {
            if (!(trainImagesPerSecond > 0) || !(inferImagesPerSecond > 0)) {
                throw new IllegalArgumentException("throughputs must be positive, got " + trainImagesPerSecond + " and " + inferImagesPerSecond);
            }
        }
    }

    private final List<Row> rows;
    private final List<NotEstimated> notEstimated;
    private final Done done;
    private final Sizes sizes;

    private CostEstimate(List<Row> rows, List<NotEstimated> notEstimated, Done done, Sizes sizes) {
        this.rows = List.copyOf(rows);
        this.notEstimated = List.copyOf(notEstimated);
        this.done = done;
        this.sizes = sizes;
    }

    public List<Row> rows() {
        return rows;
    }

    public List<NotEstimated> notEstimated() {
        return notEstimated;
    }

    public Done done() {
        return done;
    }

    public Sizes sizes() {
        return sizes;
    }

    /** The estimate of what {@code tasks} still has to do, with {@code spec}'s training and the plug-ins' bound parameters. */
    public static CostEstimate of(MatrixSpec spec, RunTasks tasks, Bindings bindings, Sizes sizes) {
        Map<String, Acc> acc = new LinkedHashMap<>();
        Map<String, NotEstimated> missing = new LinkedHashMap<>();
        long perModel = (long) spec.training().epochs() * sizes.attackerTrain();
        String modelRule = spec.training().epochs() + " epochs x " + sizes.attackerTrain() + " attacker-train images";
        int cached = 0;
        for (RunTasks.TrainTask t : tasks.train()) {
            if (t.cached()) {
                cached++;
                continue;
            }
            String name = t.kind() == RunTasks.ModelKind.CLEAN ? "clean models" : "backdoored models";
            acc.computeIfAbsent(Stage.MODELS + name, k -> new Acc(Stage.MODELS, name, modelRule)).add(new Passes(perModel, 0, 0));
        }
        boolean hasOracle = spec.defenses().stream().anyMatch(d -> d.id().equals("ep"));
        Map<String, CellPlan> cells = new LinkedHashMap<>();
        tasks.plan().cells().forEach(c -> cells.put(c.cellId(), c));
        int doneTasks = 0;
        int doneUnits = 0;
        int units = 0;
        for (RunTasks.EvaluateTask t : tasks.evaluate()) {
            CellPlan cell = Objects.requireNonNull(cells.get(t.cellId()), t.cellId());
            String attack = cell.attack().id();
            List<CellPlan.Unit> own = cell.units().stream().filter(u -> u.defenseName().equals(t.defenseName())).toList();
            units += own.size();
            if (t.done()) {
                doneTasks++;
                doneUnits += own.size();
                continue;
            }
            MatrixSpec.PluginRef defense = own.get(0).defense();
            Rule d = defenseRule(defense.id(), bindings.defense(defense, attack), sizes);
            count(acc, missing, Stage.DEFENSES, t.defenseName(), d);
            java.util.Set<Map<String, Object>> generators = new java.util.HashSet<>();
            for (CellPlan.Unit u : own) {
                if (u.done()) {
                    doneUnits++;
                    continue;
                }
                Params p = bindings.evaluator(u.evaluator(), attack);
                Rule e = evaluatorRule(u.evaluator().id(), p, sizes, hasOracle);
                if (QRA.contains(u.evaluator().id()) && !generators.add(qraGenerator(p))) {
                    e = qraSharing(p, sizes);
                }
                count(acc, missing, Stage.EVALUATORS, u.evaluatorName(), e);
            }
        }
        // RA's clean-model control runs once per cell (a cell memo), for each cell with an RA unit still to do.
        for (CellPlan cell : tasks.plan().cells()) {
            cell.units().stream().filter(u -> !u.done() && u.evaluator().id().equals("ra")).map(CellPlan.Unit::evaluator).distinct()
                    .forEach(ra -> {
                        Params p = bindings.evaluator(ra, cell.attack().id());
                        String name = cell.units().stream().filter(u -> u.evaluator().equals(ra)).findFirst().orElseThrow().evaluatorName();
                        Acc a = acc.get(Stage.EVALUATORS + name);
                        if (a != null) {
                            a.passes = a.passes.plus(new Passes((long) p.getInt("epochs", 5) * p.getInt("samples", 1000), 0, 2L * sizes.test()));
                        }
                    });
        }
        List<Row> rows = acc.values().stream().map(a -> new Row(a.stage, a.name, a.count, a.passes, a.rule)).toList();
        return new CostEstimate(rows, missing.values().stream().sorted(java.util.Comparator.comparing(NotEstimated::stage)).toList(),
                new Done(cached, tasks.train().size(), doneTasks, tasks.evaluate().size(), doneUnits, units), sizes);
    }

    private static void count(Map<String, Acc> acc, Map<String, NotEstimated> missing, Stage stage, String name, Rule r) {
        if (r.passes == null) {
            NotEstimated before = missing.get(stage + name);
            missing.put(stage + name, new NotEstimated(stage, name, before == null ? 1 : before.count() + 1, r.rule));
        } else {
            acc.computeIfAbsent(stage + name, k -> new Acc(stage, name, r.rule)).add(r.passes);
        }
    }

    /** Passes, or null (not estimated) with the reason in {@code rule}. */
    private record Rule(Passes passes, String rule) {
    }

    private static final class Acc {
        final Stage stage;
        final String name;
        final String rule;
        int count;
        Passes passes = Passes.ZERO;

        Acc(Stage stage, String name, String rule) {
            this.stage = stage;
            this.name = name;
            this.rule = rule;
        }

        void add(Passes p) {
            count++;
            passes = passes.plus(p);
        }
    }

    /** The rule table for defenses (class comment). */
    static Rule defenseRule(String id, Params p, Sizes s) {
        long t = s.tuning();
        return switch (id) {
            case "none", "clean" -> new Rule(Passes.ZERO, "no training (the clean model is stage 1's)");
            case "ft", "ep" -> {
                int epochs = p.getInt("epochs", 0);
                yield new Rule(new Passes(epochs * t, 0, 0), epochs + " epochs x " + t + " tuning images");
            }
            case "fst" -> {
                int epochs = p.getInt("epochs", 0);
                long n = Math.min(p.getInt("samples", (int) t), t);
                yield new Rule(new Passes(epochs * n, 0, 0), epochs + " epochs x min(samples, tuning) = " + n + " images");
            }
            case "ft-sam" -> {
                int epochs = p.getInt("epochs", 0);
                yield new Rule(new Passes(2L * epochs * t, 0, 0), "2 x " + epochs + " epochs x " + t + " tuning images (SAM)");
            }
            case "bti-dbf", "pam", "bti-sam" -> {
                int factor = id.equals("bti-dbf") ? 1 : 2;
                int rounds = p.getInt("rounds", 3);
                int epochs = p.getInt("epochs", 0);
                int inversion = p.getInt("mask-epochs", 0) + p.getInt("generator-epochs", 0) + p.getInt("refine-epochs", 0);
                String rule = rounds + " rounds x (" + (factor == 2 ? "2 x " : "") + epochs + " epochs + " + inversion
                        + " inversion epochs) x " + t + " tuning images"
                        + (id.equals("pam") && "auto".equals(p.getString("rho", "")) ? "; rho auto counted as one try" : "");
                yield new Rule(new Passes((long) factor * rounds * epochs * t, (long) rounds * inversion * t, 0), rule);
            }
            case "anp" -> {
                int iterations = p.getInt("iterations", 0);
                int batch = p.getInt("batch-size", 128);
                yield new Rule(new Passes(2L * iterations * batch, 0, 0), "2 x " + iterations + " iterations x batch " + batch);
            }
            case "i-bau" -> {
                int rounds = p.getInt("rounds", 0);
                yield new Rule(new Passes((long) IBAU_PASSES_PER_IMAGE * rounds * t, 0, 0),
                        IBAU_PASSES_PER_IMAGE + " x " + rounds + " rounds x " + t + " tuning images");
            }
            default -> {
                if (p.has("epochs")) {
                    int epochs = p.getInt("epochs", 0);
                    yield new Rule(new Passes(epochs * t, 0, 0), epochs + " epochs x " + t + " tuning images (no rule for " + id + ": its epochs)");
                }
                yield new Rule(null, "no rule for defense '" + id + "' and no epochs parameter");
            }
        };
    }

    /** The rule table for evaluators (class comment); the RA control is added once per cell by {@link #of}. */
    static Rule evaluatorRule(String id, Params p, Sizes s, boolean hasOracle) {
        long n = s.test();
        return switch (id) {
            case "accuracy" -> new Rule(new Passes(0, 0, 2 * n), "inference: 2 x " + n + " test images");
            case "ra" -> {
                int epochs = p.getInt("epochs", 5);
                int samples = p.getInt("samples", 1000);
                yield new Rule(new Passes((long) epochs * samples, 0, 3 * n), epochs + " epochs x " + samples
                        + " samples per model + the clean-model control once per cell; inference 3 x " + n + " test images");
            }
            case "qra", "qra-transfer" -> {
                int epochs = p.getInt("epochs", 50);
                int samples = p.getInt("clean-samples", 500) + p.getInt("poisoned-samples", 500);
                int raEpochs = p.getInt("ra-epochs", 5);
                int raSamples = p.getInt("ra-samples", 1000);
                long tests = testSamples(p, n);
                yield new Rule(new Passes(3L * epochs * samples + (long) raEpochs * raSamples, 0, 2 * tests),
                        "3 x " + epochs + " epochs x " + samples + " samples + RA " + raEpochs + " x " + raSamples
                                + "; inference 2 x " + tests + " test images");
            }
            case "lmc" -> {
                int points = p.getInt("points", 11);
                int paths = hasOracle ? 2 : 1;
                long tests = testSamples(p, n);
                boolean bn = p.getBoolean("recalibrate-bn", true);
                long recal = bn ? (long) paths * Math.max(0, points - 2) * s.retuningPool() : 0;
                yield new Rule(new Passes(0, 0, (long) paths * points * 2 * tests + recal), "inference: " + paths + " path(s) x " + points
                        + " points x 2 x " + tests + " test images" + (bn ? " + BN recalibration on " + s.retuningPool() + " pool images" : ""));
            }
            default -> new Rule(null, "no rule for evaluator '" + id + "'");
        };
    }

    private static final java.util.Set<String> QRA = java.util.Set.of("qra", "qra-transfer");

    /** What keys a QRA generator: qra and qra-transfer of equal settings share one (the plug-ins' cell memo). */
    private static Map<String, Object> qraGenerator(Params p) {
        Map<String, Object> key = new java.util.TreeMap<>(p.asMap());
        key.remove("defenses");
        return key;
    }

    /** A QRA whose generator an earlier qra / qra-transfer of the same defense trained: its RA and queries only. */
    private static Rule qraSharing(Params p, Sizes s) {
        int raEpochs = p.getInt("ra-epochs", 5);
        int raSamples = p.getInt("ra-samples", 1000);
        long tests = testSamples(p, s.test());
        return new Rule(new Passes((long) raEpochs * raSamples, 0, 2 * tests), "generator shared with an equal qra setting; RA "
                + raEpochs + " x " + raSamples + "; inference 2 x " + tests + " test images");
    }

    private static long testSamples(Params p, long n) {
        int t = p.getInt("test-samples", 0);
        return t > 0 ? Math.min(t, n) : n;
    }

    /** The passes of {@code stage}, of everything estimated. */
    public Passes total(Stage stage) {
        return rows.stream().filter(r -> r.stage() == stage).map(Row::passes).reduce(Passes.ZERO, Passes::plus);
    }

    public Passes total() {
        return rows.stream().map(Row::passes).reduce(Passes.ZERO, Passes::plus);
    }

    /** Hours {@code p} takes at {@code r}: train and inversion passes at the training rate, inference at the inference rate. */
    public static double hours(Passes p, Rates r) {
        return (p.trainLike() / r.trainImagesPerSecond() + p.inference() / r.inferImagesPerSecond()) / 3600;
    }

    /**
     * Measures {@code spec}'s model on {@code engine}: {@link Throughput#measure} on random images of
     * {@code shape} (resized to {@code model.inputSize} when set), the matrix's batch size, a short
     * warm-up then the median of 3 short runs.
     */
    public static Rates measure(MatrixSpec spec, ImageShape shape, ComputeEngine engine) {
        String arch = spec.model().arch();
        int width = spec.model().width() > 0 ? spec.model().width() : ModelSpec.defaultWidth(arch);
        int size = spec.model().resizeTo();
        ImageShape timed = size > 0 ? new ImageShape(shape.channels(), size, size) : shape;
        int batch = Math.max(2, spec.training().batchSize());
        boolean small = arch.equals("cnn-small");
        Throughput.Config c = new Throughput.Config(arch, timed, width, batch, small ? 8 : 2);
        Throughput.Result r = Throughput.measure(c, small ? 5 : 1, 3, 0, engine);
        return new Rates(r.trainImagesPerSecond(), r.inferImagesPerSecond(), batch, engine.id(), engine.device(),
                "measured: " + arch + " w" + width + " " + timed.channels() + "x" + timed.height() + "x" + timed.width()
                        + ", median of 3 runs of " + c.steps() + " steps");
    }

    /** The estimate as a table; {@code rates} null prints passes only. */
    public List<String> table(Rates rates) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "estimated cost (image passes: train = forward+backward of one image; inversion = trigger"
                + " inversion, timed as train; inference = forward)"));
        out.add(String.format(Locale.ROOT, "  %-15s %6s %13s %13s %13s %8s  %s", "stage", "count", "train", "inversion",
                "inference", "hours", "work"));
        for (Stage stage : Stage.values()) {
            for (Row r : rows.stream().filter(x -> x.stage() == stage).toList()) {
                out.add(row("", r.name(), Integer.toString(r.count()), r.passes(), rates));
            }
            out.add(row(stage.label(), "(stage total)", "", total(stage), rates));
        }
        out.add(row("total", "", "", total(), rates));
        out.add("  sizes: attacker-train " + sizes.attackerTrain() + ", tuning " + sizes.tuning() + ", validation " + sizes.validation()
                + ", retuning pool " + sizes.retuningPool() + ", test " + sizes.test()
                + (sizes.fromCatalog() ? " (dataset not present: sizes from the catalog)" : ""));
        out.add("  already done, not counted: " + done.cachedModels() + " of " + done.models() + " models cached, " + done.doneTasks()
                + " of " + done.tasks() + " defense tasks and " + done.doneUnits() + " of " + done.units() + " units journaled");
        for (NotEstimated n : notEstimated) {
            out.add("  not estimated: " + n.stage().label() + " " + n.name() + " (" + n.count() + "x): " + n.why());
        }
        if (rates != null) {
            out.add(String.format(Locale.ROOT, "about %s hours on %s %s (%s: %.0f train img/s, %.0f inference img/s, batch %d)",
                    formatHours(hours(total(), rates)), rates.engine(), rates.device(), rates.source(), rates.trainImagesPerSecond(),
                    rates.inferImagesPerSecond(), rates.batch()));
        }
        out.add("  model training follows the matrix's epochs and sizes; defense and evaluator figures are rough (a rule table per plug-in id,"
                + " docs/running.md); a GPU figure needs --engine pytorch --device cuda on the GPU machine (or --throughput from there)");
        return out;
    }

    private static String row(String stage, String name, String count, Passes p, Rates rates) {
        return String.format(Locale.ROOT, "  %-15s %6s %13d %13d %13d %8s  %s", stage, count, p.train(), p.inversion(), p.inference(),
                rates == null ? "-" : formatHours(hours(p, rates)), name);
    }

    static String formatHours(double h) {
        return h >= 10 ? String.format(Locale.ROOT, "%.0f", h) : h >= 0.1 ? String.format(Locale.ROOT, "%.1f", h)
                : String.format(Locale.ROOT, "%.3f", h);
    }

    /** The estimate as plain maps and lists (plan --json's "estimate"); {@code rates} null gives no hours. */
    public Map<String, Object> toJson(Rates rates) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> stages = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("stage", stage.label());
            s.put("passes", total(stage));
            s.put("hours", rates == null ? null : hours(total(stage), rates));
            s.put("rows", rows.stream().filter(r -> r.stage() == stage).map(r -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", r.name());
                m.put("count", r.count());
                m.put("passes", r.passes());
                m.put("hours", rates == null ? null : hours(r.passes(), rates));
                m.put("rule", r.rule());
                return m;
            }).toList());
            stages.add(s);
        }
        out.put("stages", stages);
        out.put("passes", total());
        out.put("hours", rates == null ? null : hours(total(), rates));
        out.put("throughput", rates);
        out.put("sizes", sizes);
        out.put("done", done);
        out.put("notEstimated", notEstimated);
        out.put("rough", "defense and evaluator figures come from a rule table per plug-in id (docs/running.md)");
        return out;
    }
}
