package org.purifybench.tck;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.plugin.DescriptorFile;
import org.purifybench.core.plugin.JarAdmission;
import org.purifybench.core.plugin.JarDefense;
import org.purifybench.core.plugin.JarLimits;
import org.purifybench.core.plugin.PluginJarException;
import org.purifybench.core.plugin.SandboxedLoading;
import org.purifybench.core.run.Contexts;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.core.sandbox.SandboxStatus;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/**
 * The conformance checks of a defense, independent of JUnit: {@link DefenseConformance} turns each
 * into a test, {@code purifybench verify} prints them as a table. {@code purify} is called twice on the
 * {@link TckFixture} with the same seed (by a {@link Purifier}: in this JVM, or in the sandbox), and
 * every check reads those two runs; the runs happen once, on the first check that needs them.
 *
 * <p>What "needs declared truthfully" means here: the context offers a defense exactly the needs it
 * declares (the host enforces that, and {@link Check#NO_TEST_DATA} checks it), so the kit runs it with
 * exactly those and notes which needs it asks for. Asking for a need it did not declare fails (with
 * the need it would behave differently, so the declaration is wrong); failing with exactly its declared
 * needs fails. A declared need it never asks for is a {@link Status#NOTE}: its parameters may decide
 * whether it is used (PAM asks for the validation split only to choose rho), and declaring too much
 * gives no advantage in a run, it only ships more data to the sandbox and marks the defense (an oracle,
 * a user of the clean model) on the leaderboard. With {@link #STRICT_NEEDS_PROPERTY} or
 * {@link DefenseConformance#strictNeeds()} it fails instead.
 */
public final class ConformanceKit {
    /** System property: the time budget of one {@code purify} on the fixture, in seconds or as an ISO-8601 duration. */
    public static final String TIME_BUDGET_PROPERTY = "purifybench.tck.time-budget";
    /** System property: {@code true} makes a declared but unused need fail the kit. */
    public static final String STRICT_NEEDS_PROPERTY = "purifybench.tck.strict-needs";
    /**
     * The default budget of one {@code purify} call on the fixture (a few hundred 12x12 images): generous,
     * so only a defense that is far too slow for a benchmark (or hangs) fails. A conformance limit, not a
     * benchmark.
     */
    public static final Duration DEFAULT_TIME_BUDGET = Duration.ofMinutes(2);
    /** The seed of both runs. */
    public static final long SEED = 7;

    /** The checks, in the order they are reported. */
    public enum Check {
        DESCRIPTOR("descriptor valid"),
        DESCRIPTOR_FILE("descriptor agrees with the descriptor file"),
        NO_TEST_DATA("context offers no test data"),
        DECLARED_NEEDS("needs declared truthfully"),
        DETERMINISTIC("same seed, same output"),
        INPUT_UNTOUCHED("input model not mutated"),
        ARCHITECTURE("output has the input's architecture"),
        TIME_BUDGET("within the time budget");

        private final String title;

        Check(String title) {
            this.title = title;
        }

        public String title() {
            return title;
        }
    }

    public enum Status { PASS, NOTE, FAIL }

    /** The outcome of one check; {@link Status#NOTE} passes with something the author should read. */
    public record Result(Check check, Status status, String detail) {
        public boolean passed() {
            return status != Status.FAIL;
        }
    }

    /**
     * One {@code purify} as the kit saw it.
     *
     * @param model   the returned model (null when purify failed)
     * @param failure why purify failed (null when it returned)
     * @param asked   the needs the defense asked its context for, as this JVM recorded them; empty for an
     *                isolated purifier, whose child could write any report (the kit observes its needs from
     *                outside instead: {@link Purifier#purifyWithout})
     * @param time    wall time of the call (of the whole sandboxed job in the sandbox)
     */
    public record Purified(Model model, Throwable failure, Set<Need> asked, Duration time) {
    }

    /** Runs the defense under test on the fixture. */
    public interface Purifier {
        Purified purify(TckFixture fixture, long seed, Params params);

        /** Where purify runs, for the reports. */
        default String where() {
            return "in this JVM";
        }

        /** Whether the defense works on copies the harness never sees (then input mutation is impossible by construction). */
        default boolean isolated() {
            return false;
        }

        /**
         * An isolated purify whose job holds neither {@code withheld}'s data nor offers it: whether it
         * still succeeds is what the host can observe of a need's use without trusting the child.
         */
        default Purified purifyWithout(TckFixture fixture, long seed, Params params, Need withheld) {
            throw new UnsupportedOperationException("only an isolated purifier withholds needs");
        }
    }

    /** Runs {@code defense.purify} in this JVM, on a recording context built by the runner's own code. */
    public static Purifier inProcess(Defense defense) {
        return (fixture, seed, params) -> {
            Set<Need> asked = ConcurrentHashMap.newKeySet();
            DefenseContext ctx = Contexts.recording(fixture.defenseContext(defense.descriptor(), seed, params), asked);
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(defense.getClass().getClassLoader());
            long start = System.nanoTime();
            try {
                Model m = defense.purify(ctx);
                return new Purified(m, null, Set.copyOf(asked), Duration.ofNanos(System.nanoTime() - start));
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                    throw e;
                }
                return new Purified(null, e, Set.copyOf(asked), Duration.ofNanos(System.nanoTime() - start));
            } finally {
                thread.setContextClassLoader(previous);
            }
        };
    }

    /**
     * Runs {@code defense}'s class in this JVM as the sandbox child loads it: for each call a fresh
     * class loader over the jar or class folder the class came from, which offers the JDK, that
     * location's own classes, the SPI and ND4J/JavaCPP and nothing else
     * ({@link SandboxedLoading#confined}), and a new instance from the location's services file, as
     * the child creates it. So a class that compiles and is on the test class path but that the
     * sandbox does not offer (commons-lang3 through nd4j-api, say) fails here with the sandbox's
     * message, not only later in {@code purifybench verify}. Then {@code purify} runs as in
     * {@link #inProcess(Defense)}.
     */
    public static Purifier asInTheSandbox(Defense defense) {
        Class<?> type = defense.getClass();
        Path location = CodeFingerprint.locationOf(type);
        return new Purifier() {
            @Override
            public Purified purify(TckFixture fixture, long seed, Params params) {
                long start = System.nanoTime();
                if (location == null) {
                    return new Purified(null, new UserException("cannot tell which jar or class folder " + type.getName() + " was loaded from",
                            "run the kit on a class compiled into a jar or class folder (target/classes)"), Set.of(), Duration.ZERO);
                }
                SandboxedLoading.Confined confined;
                try {
                    confined = SandboxedLoading.confined(location, type.getName());
                } catch (PluginJarException e) {
                    return new Purified(null, new UserException("loading " + type.getName() + " from " + location + " as the sandbox does: "
                            + e.reason(), e.fix(), e), Set.of(), Duration.ofNanos(System.nanoTime() - start));
                }
                try (confined) {
                    return inProcess(confined.defense()).purify(fixture, seed, params);
                }
            }

            @Override
            public String where() {
                return "in this JVM, loaded as the sandbox loads it (the JDK, its own classes, the SPI and ND4J only)";
            }
        };
    }

    private final Defense defense;
    private final Params params;
    private final Purifier purifier;
    private final Duration budget;
    private final boolean strictNeeds;
    private final Map<Check, Result> results = new EnumMap<>(Check.class);
    private Runs runs;

    /** The two runs and what the input model looked like around them. */
    private record Runs(TckFixture fixture, Purified a, Purified b, List<String> inputChanges) {
    }

    /**
     * @param params      the defense's parameters for both runs (keep them fast: the fixture is tiny); its declared
     *                    defaults fill in the others, as the host does
     * @param budget      the most one {@code purify} may take
     * @param strictNeeds whether a declared need that is never asked for fails (else it is a note)
     */
    public ConformanceKit(Defense defense, Params params, Purifier purifier, Duration budget, boolean strictNeeds) {
        this.defense = defense;
        this.params = params.withDefaults(defense.descriptor());
        this.purifier = purifier;
        this.budget = budget;
        this.strictNeeds = strictNeeds;
    }

    /** {@code fallback} unless {@link #TIME_BUDGET_PROPERTY} is set (seconds, or an ISO-8601 duration such as PT5M). */
    public static Duration timeBudget(Duration fallback) {
        String v = System.getProperty(TIME_BUDGET_PROPERTY);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return v.strip().toUpperCase(Locale.ROOT).startsWith("P") ? Duration.parse(v.strip())
                    : Duration.ofMillis(Math.round(Double.parseDouble(v.strip()) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("-D" + TIME_BUDGET_PROPERTY + "=" + v + " is neither seconds nor an ISO-8601 duration (PT5M)");
        }
    }

    /** {@code fallback}, or true when {@link #STRICT_NEEDS_PROPERTY} is {@code true}. */
    public static boolean strictNeeds(boolean fallback) {
        return fallback || Boolean.parseBoolean(System.getProperty(STRICT_NEEDS_PROPERTY, "false"));
    }

    public Duration budget() {
        return budget;
    }

    /** Every check, in order. */
    public List<Result> all() {
        List<Result> all = new ArrayList<>();
        for (Check c : Check.values()) {
            all.add(check(c));
        }
        return all;
    }

    /** One check (each runs once; the purify runs are shared). */
    public synchronized Result check(Check c) {
        Result r = results.get(c);
        if (r == null) {
            try {
                r = switch (c) {
                    case DESCRIPTOR -> descriptor();
                    case DESCRIPTOR_FILE -> descriptorFile();
                    case NO_TEST_DATA -> noTestData();
                    case DECLARED_NEEDS -> declaredNeeds();
                    case DETERMINISTIC -> deterministic();
                    case INPUT_UNTOUCHED -> inputUntouched();
                    case ARCHITECTURE -> architecture();
                    case TIME_BUDGET -> timeBudget();
                };
            } catch (RuntimeException | AssertionError e) {
                r = fail(c, "the check itself failed: " + e);
            }
            results.put(c, r);
        }
        return r;
    }

    // ---- the checks ----

    private Result descriptor() {
        PluginDescriptor d = defense.descriptor();
        if (d == null) {
            return fail(Check.DESCRIPTOR, "descriptor() returned null");
        }
        List<String> problems = new ArrayList<>();
        if (d.kind() != Kind.DEFENSE) {
            problems.add("kind is " + d.kind() + ", not DEFENSE");
        }
        if (d.version().isBlank()) {
            problems.add("the version is blank");
        }
        if (d.description().isBlank()) {
            problems.add("the description is blank (say what the defense does: purifybench list shows it)");
        }
        if (d.spiVersion() != SpiVersion.CURRENT) {
            problems.add("built for SPI " + d.spiVersion() + ", this platform speaks SPI " + SpiVersion.CURRENT);
        }
        if (d.needs(Need.TEST_DATA)) {
            problems.add("it declares TEST_DATA, which a defense may never have");
        }
        if (d.needs(Need.RETUNING_POOL)) {
            problems.add("it declares RETUNING_POOL, the evaluators' retuning pool, which a defense may never have");
        }
        if (!d.equals(defense.descriptor())) {
            problems.add("descriptor() answers differently when called twice");
        }
        if (!problems.isEmpty()) {
            return fail(Check.DESCRIPTOR, String.join("; ", problems));
        }
        return pass(Check.DESCRIPTOR, "defense '" + d.id() + "' " + d.version() + ", SPI " + d.spiVersion() + ", needs " + names(d.needs()));
    }

    private Result descriptorFile() {
        PluginDescriptor d = defense.descriptor();
        // a third-party jar's defense is a stand-in here (its class is loaded only in the sandbox child)
        JarDefense sealed = defense instanceof JarDefense jd ? jd : null;
        String className = sealed != null ? sealed.className() : defense.getClass().getName();
        Path location = sealed != null ? sealed.jar() : CodeFingerprint.locationOf(defense.getClass());
        if (location == null) {
            return fail(Check.DESCRIPTOR_FILE, "cannot tell which jar or class folder " + className + " was loaded from");
        }
        DescriptorFile file;
        List<String> services;
        String where;
        if (Files.isRegularFile(location)) {
            // from a jar: the very admission a host applies before loading it
            JarAdmission.Admitted admitted;
            try {
                admitted = JarAdmission.admit(location, JarLimits.DEFAULTS);
            } catch (PluginJarException e) {
                return fail(Check.DESCRIPTOR_FILE, "the host would refuse its jar: " + e.reason() + " - " + e.fix());
            }
            file = admitted.descriptor();
            services = admitted.services().getOrDefault(Kind.DEFENSE, List.of());
            where = "jar " + location;
        } else {
            try {
                file = DescriptorFile.at(location).orElse(null);
            } catch (UserException e) {
                return fail(Check.DESCRIPTOR_FILE, e.oneLine());
            }
            if (file == null) {
                return fail(Check.DESCRIPTOR_FILE, "no " + DescriptorFile.PATH + " in " + location
                        + " - add src/main/resources/" + DescriptorFile.PATH + " (spi-version, defense.ID.class, .version, .needs,"
                        + " .description; docs/writing-a-defense.md, \"The descriptor\")");
            }
            services = servicesIn(location);
            where = location.toString();
        }
        DescriptorFile.Declared declared = file.forClass(className).orElse(null);
        if (declared == null) {
            return fail(Check.DESCRIPTOR_FILE, DescriptorFile.PATH + " of " + where + " does not declare " + className
                    + " - add defense." + d.id() + ".class = " + className + ", defense." + d.id() + ".version = " + d.version()
                    + ", defense." + d.id() + ".needs = " + String.join(", ", d.needs().stream().sorted().map(Need::name).toList())
                    + " and defense." + d.id() + ".description = ...");
        }
        List<String> problems = new ArrayList<>();
        if (declared.kind() != Kind.DEFENSE) {
            problems.add("the file declares it as " + declared.kind().name().toLowerCase(Locale.ROOT));
        }
        String mismatch = declared.mismatch(d);
        if (mismatch != null) {
            problems.add(mismatch);
        }
        if (sealed != null) {
            // the class's own descriptor() is read in the sandbox child, which refuses to run it when it disagrees
            String childSays = descriptorMismatchInSandbox();
            if (childSays != null) {
                problems.add("in the sandbox: " + childSays);
            }
        }
        if (file.spiVersion() != d.spiVersion()) {
            problems.add("spi-version " + file.spiVersion() + " in the file, " + d.spiVersion() + " in descriptor()");
        }
        if (!services.contains(className)) {
            problems.add("META-INF/services/" + Defense.class.getName() + " does not list it");
        }
        if (!problems.isEmpty()) {
            return fail(Check.DESCRIPTOR_FILE, String.join("; ", problems) + " (" + where + ")");
        }
        return pass(Check.DESCRIPTOR_FILE, "defense." + d.id() + " " + d.version() + ", needs " + names(d.needs()) + " in " + where
                + (sealed != null ? "; descriptor() in the sandbox child says the same" : ""));
    }

    /**
     * What the sandbox child said when the defense's own descriptor() disagreed with its descriptor
     * file (the child refuses to run purify then), or null when the runs did not fail for that reason.
     */
    private String descriptorMismatchInSandbox() {
        Runs r = runs();
        return r.a().failure() instanceof SandboxException e && e.status() == SandboxStatus.DESCRIPTOR_MISMATCH ? e.detail() : null;
    }

    private static List<String> servicesIn(Path folder) {
        Path f = folder.resolve("META-INF/services/" + Defense.class.getName());
        if (!Files.isRegularFile(f)) {
            return List.of();
        }
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(l -> l.replaceAll("#.*", "").strip())
                    .filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Result noTestData() {
        for (Method m : DefenseContext.class.getMethods()) {
            String name = m.getName().toLowerCase(Locale.ROOT);
            if (name.contains("test") || name.contains("retuningpool")) {
                return fail(Check.NO_TEST_DATA, "the platform's DefenseContext exposes " + m.getName());
            }
        }
        PluginDescriptor d = defense.descriptor();
        DefenseContext ctx = TckFixture.get().defenseContext(d, 1, params);
        List<String> wrong = new ArrayList<>();
        if (d.needs(Need.CLEAN_TUNING_DATA) != ctx.tuningData().isPresent()) {
            wrong.add("tuning data");
        }
        if (d.needs(Need.VALIDATION_DATA) != ctx.validationData().isPresent()) {
            wrong.add("validation split");
        }
        if (d.needs(Need.ORACLE_TRIGGER) != ctx.oracleTrigger().isPresent()) {
            wrong.add("trigger");
        }
        if (d.needs(Need.CLEAN_REFERENCE_MODEL) != ctx.cleanModel().isPresent()) {
            wrong.add("clean model");
        }
        if (!wrong.isEmpty()) {
            return fail(Check.NO_TEST_DATA, "the context does not offer exactly the declared needs: " + String.join(", ", wrong));
        }
        return pass(Check.NO_TEST_DATA, "no method of the context reaches test data or the retuning pool; it offers exactly "
                + names(d.needs()) + (purifier.isolated() ? " (and the sandbox job holds only that data)" : ""));
    }

    private Result declaredNeeds() {
        return purifier.isolated() ? declaredNeedsObserved() : declaredNeedsRecorded();
    }

    /** The data needs a job can be given or not; the others are never offered to a sandboxed defense. */
    private static final List<Need> DATA_NEEDS = List.of(Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA, Need.CLEAN_REFERENCE_MODEL);

    /**
     * Isolated (the sandbox): decided from what the host sees, never from a report the child writes. The
     * job holds only the declared needs' data, so an undeclared need gets nothing; a declared need is
     * used if the job fails once that data is withheld.
     */
    private Result declaredNeedsObserved() {
        Runs r = runs();
        Set<Need> declared = defense.descriptor().needs();
        String childSays = descriptorMismatchInSandbox();
        if (childSays != null) {
            return fail(Check.DECLARED_NEEDS, "the defense's descriptor() in the sandbox disagrees with what its descriptor file declares: "
                    + childSays);
        }
        if (r.a().failure() != null) {
            return fail(Check.DECLARED_NEEDS, "purify failed " + purifier.where() + " with exactly its declared needs' data " + names(declared)
                    + " (a need it does not declare gets nothing there): " + summary(r.a().failure()));
        }
        Set<Need> unused = EnumSet.noneOf(Need.class);
        for (Need n : DATA_NEEDS) {
            if (declared.contains(n) && purifier.purifyWithout(r.fixture(), SEED, params, n).failure() == null) {
                unused.add(n);
            }
        }
        if (!unused.isEmpty()) {
            String text = "declares " + names(unused) + " but its sandbox job also succeeds with that data withheld (parameters " + params
                    + "): drop it from descriptor() unless other parameters use it";
            return strictNeeds ? fail(Check.DECLARED_NEEDS, text + " (strict needs)") : note(Check.DECLARED_NEEDS, text);
        }
        return pass(Check.DECLARED_NEEDS, "its sandbox job held only the declared needs' data " + names(declared)
                + " and fails with each of them withheld (observed by the host, not reported by the child)");
    }

    private Result declaredNeedsRecorded() {
        Runs r = runs();
        Set<Need> declared = defense.descriptor().needs();
        Set<Need> asked = EnumSet.noneOf(Need.class);
        asked.addAll(r.a().asked());
        asked.addAll(r.b().asked());
        Set<Need> undeclared = EnumSet.copyOf(asked);
        undeclared.removeAll(declared);
        String childSays = descriptorMismatchInSandbox();
        if (childSays != null) {
            return fail(Check.DECLARED_NEEDS, "the defense's descriptor() in the sandbox disagrees with what its descriptor file declares: "
                    + childSays);
        }
        if (r.a().failure() != null) {
            return fail(Check.DECLARED_NEEDS, "purify failed " + purifier.where() + " with exactly its declared needs " + names(declared)
                    + (undeclared.isEmpty() ? "" : " after asking for " + names(undeclared) + ", which it does not declare")
                    + ": " + summary(r.a().failure()));
        }
        if (!undeclared.isEmpty()) {
            return fail(Check.DECLARED_NEEDS, "it asks for " + names(undeclared) + " without declaring it (and got nothing): declare it"
                    + " in descriptor(), or stop asking");
        }
        Set<Need> unused = EnumSet.noneOf(Need.class);
        unused.addAll(declared);
        unused.removeAll(asked);
        unused.removeAll(List.of(Need.TEST_DATA, Need.RETUNING_POOL)); // never offered; DESCRIPTOR fails them
        String marks = declared.contains(Need.ORACLE_TRIGGER) ? "; ORACLE_TRIGGER makes it an oracle (marked as such, and it cannot run in the sandbox)"
                : declared.contains(Need.CLEAN_REFERENCE_MODEL) ? "; CLEAN_REFERENCE_MODEL: it uses a model trained on clean data (marked as such)" : "";
        if (!unused.isEmpty()) {
            String text = "declares " + names(unused) + " but never asked for it with parameters " + params
                    + ": drop it from descriptor() unless other parameters use it" + marks;
            return strictNeeds ? fail(Check.DECLARED_NEEDS, text + " (strict needs)") : note(Check.DECLARED_NEEDS, text);
        }
        return pass(Check.DECLARED_NEEDS, "asked for exactly its declared needs " + names(declared) + marks);
    }

    private Result deterministic() {
        Runs r = runs();
        if (r.a().failure() != null || r.b().failure() != null) {
            return fail(Check.DETERMINISTIC, "purify failed: " + summary(r.a().failure() != null ? r.a().failure() : r.b().failure()));
        }
        Model a = r.a().model();
        Model b = r.b().model();
        if (!(a instanceof HostModel ha) || !(b instanceof HostModel hb) || !ha.spec().equals(hb.spec())) {
            return fail(Check.DETERMINISTIC, "the two runs returned models that cannot be compared (see: " + Check.ARCHITECTURE.title() + ")");
        }
        List<String> differ = new ArrayList<>();
        double maxDiff = 0;
        Map<String, INDArray> pa = a.parameters();
        Map<String, INDArray> pb = b.parameters();
        for (var e : pa.entrySet()) {
            INDArray other = pb.get(e.getKey());
            if (!same(e.getValue(), other)) {
                differ.add(e.getKey());
                if (other != null && Arrays.equals(e.getValue().shape(), other.shape())) {
                    maxDiff = Math.max(maxDiff, Transforms.abs(e.getValue().sub(other)).maxNumber().doubleValue());
                }
            }
        }
        Map<String, INDArray> sb = b.state();
        a.state().forEach((k, v) -> {
            if (!same(v, sb.get(k))) {
                differ.add(k + " (BatchNorm state)");
            }
        });
        if (!differ.isEmpty()) {
            return fail(Check.DETERMINISTIC, "two runs with seed " + SEED + " differ in " + differ.size() + " arrays ("
                    + differ.stream().limit(4).collect(Collectors.joining(", ")) + (differ.size() > 4 ? ", ..." : "")
                    + String.format(Locale.ROOT, "; largest parameter difference %.3g", maxDiff)
                    + "): draw every random number from ctx.seed() (e.g. new Random(ctx.seed())) and pass it to the trainer");
        }
        return pass(Check.DETERMINISTIC, "two runs with seed " + SEED + " gave bit-for-bit the same parameters and BatchNorm state");
    }

    private Result inputUntouched() {
        Runs r = runs();
        if (!r.inputChanges().isEmpty()) {
            return fail(Check.INPUT_UNTOUCHED, "the harness's backdoored model changed: " + String.join(", ", r.inputChanges())
                    + " - work on ctx.backdooredModel() (a private copy) and never on other models' arrays");
        }
        return pass(Check.INPUT_UNTOUCHED, purifier.isolated()
                ? "the harness's model is unchanged (by construction: the sandboxed child works on a copy)"
                : "the harness's backdoored model (parameters and BatchNorm state) is unchanged after both runs");
    }

    private Result architecture() {
        Runs r = runs();
        if (r.a().failure() != null) {
            return fail(Check.ARCHITECTURE, "purify failed: " + summary(r.a().failure()));
        }
        Model m = r.a().model();
        if (!(m instanceof HostModel sd)) {
            return fail(Check.ARCHITECTURE, "purify returned " + (m == null ? "null" : "a " + m.getClass().getName())
                    + " - return the context's model (or a copy of it)");
        }
        TckFixture f = r.fixture();
        if (!sd.spec().equals(f.spec)) {
            return fail(Check.ARCHITECTURE, "the returned model is " + sd.spec() + ", the input was " + f.spec);
        }
        List<String> nonFinite = new ArrayList<>();
        Map<String, INDArray> all = new LinkedHashMap<>(m.parameters());
        all.putAll(m.state());
        all.forEach((k, v) -> {
            if (v.isNaN().any() || v.isInfinite().any()) {
                nonFinite.add(k);
            }
        });
        if (!nonFinite.isEmpty()) {
            return fail(Check.ARCHITECTURE, "non-finite values in " + String.join(", ", nonFinite));
        }
        long classes = Arrays.stream(m.predict(f.dataset.test().images())).distinct().count();
        if (classes < 2) {
            return fail(Check.ARCHITECTURE, "the purified model predicts a single class for every image");
        }
        return pass(Check.ARCHITECTURE, f.spec.architecture() + " (" + f.spec + "), every value finite, predicts " + classes + " classes");
    }

    private Result timeBudget() {
        Runs r = runs();
        Duration slowest = r.a().time().compareTo(r.b().time()) >= 0 ? r.a().time() : r.b().time();
        String times = String.format(Locale.ROOT, "purify took %.1f s and %.1f s %s (budget %s per call)", seconds(r.a().time()),
                seconds(r.b().time()), purifier.where(), human(budget));
        if (slowest.compareTo(budget) > 0) {
            return fail(Check.TIME_BUDGET, times + " on a few hundred 12x12 images: make it faster, give the kit faster parameters"
                    + " (fastParams()), or raise the budget (timeBudget(), -D" + TIME_BUDGET_PROPERTY + "=SECONDS)");
        }
        return pass(Check.TIME_BUDGET, times);
    }

    // ---- the runs ----

    private Runs runs() {
        if (runs == null) {
            TckFixture f = TckFixture.get();
            INDArray before = f.backdoored.flatParameters();
            Map<String, INDArray> stateBefore = new LinkedHashMap<>();
            f.backdoored.state().forEach((k, v) -> stateBefore.put(k, v.dup()));
            List<String> changes = new ArrayList<>();
            Purified a = purifier.purify(f, SEED, params);
            changes(f, before, stateBefore, "after the first run", changes);
            Purified b = a.failure() == null ? purifier.purify(f, SEED, params) : a;
            changes(f, before, stateBefore, "after the second run", changes);
            runs = new Runs(f, a, b, changes);
            if (!changes.isEmpty()) {
                // later kits share the fixture: give them the model as it was
                f.backdoored.setFlatParameters(before);
                stateBefore.forEach((k, v) -> f.backdoored.state().get(k).assign(v));
            }
        }
        return runs;
    }

    private static void changes(TckFixture f, INDArray before, Map<String, INDArray> stateBefore, String when, List<String> into) {
        if (!same(before, f.backdoored.flatParameters())) {
            into.add("parameters " + when);
        }
        stateBefore.forEach((k, v) -> {
            if (!same(v, f.backdoored.state().get(k))) {
                into.add("BatchNorm state " + k + " " + when);
            }
        });
    }

    // ---- helpers ----

    /** Bit-for-bit equality (INDArray.equals allows a difference of 1e-5). */
    static boolean same(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.dataType() != b.dataType() || !Arrays.equals(a.shape(), b.shape())) {
            return false;
        }
        return Arrays.equals(a.castTo(DataType.DOUBLE).dup('c').data().asDouble(), b.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }

    private static Result pass(Check c, String detail) {
        return new Result(c, Status.PASS, detail);
    }

    private static Result note(Check c, String detail) {
        return new Result(c, Status.NOTE, detail);
    }

    private static Result fail(Check c, String detail) {
        return new Result(c, Status.FAIL, detail);
    }

    private static String names(Set<Need> needs) {
        if (needs.isEmpty()) {
            return "[]";
        }
        return EnumSet.copyOf(needs).stream().map(Need::name).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A failure in a line or three: the exception and its innermost cause. */
    static String summary(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        SandboxedLoading.MissingClass missing = SandboxedLoading.missingClass(t);
        String s = t instanceof UserException u ? u.oneLine() : missing != null ? missing.text() + " (" + t + ")" : t.toString();
        return root == t ? s : s + " (cause: " + root + ")";
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = ms / 1000;
        return s % 60 == 0 && s >= 60 ? (s / 60) + " min" : s + " s";
    }
}
