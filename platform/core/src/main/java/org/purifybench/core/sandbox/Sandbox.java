package org.purifybench.core.sandbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.HostModel;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * Runs a third-party defense's {@code purify} in a child JVM confined by {@link Confinement}, one
 * job at a time, and returns the model the child wrote only after validating it as data
 * ({@link Exchange#readModel}: the input's spec, every value finite, the exact file size). The job
 * folder holds only what the defense declared it needs (the backdoored model always, the tuning
 * set, validation split and clean reference model if declared) and a read-only copy of the jar;
 * never test data, the Retuning Attack's pool or anything else of the run. A defense that declares
 * {@link Need#ORACLE_TRIGGER} is refused: the trigger is code (the attack's {@code Backdoor}), not
 * data. Any outcome but a valid model is a {@link SandboxException} with its {@link SandboxStatus}.
 * The sandbox fails closed: when it cannot be set up, nothing of the plug-in runs.
 */
public final class Sandbox {
    /**
     * System property: {@code off} turns the sandbox off. Third-party jars run only in the sandbox, so
     * with it off a run or verify that includes a jar defense refuses to start ({@link #requireEnabled}).
     */
    public static final String MODE_PROPERTY = "purifybench.sandbox";
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final int MAX_FORWARDED_LINES = 400;
    private static final int MAX_LINE = 400;
    private static final int TAIL_LINES = 25;
    private static final int MAX_ERROR_BYTES = 16 * 1024;
    private static final String LOCK = ".lock";

    private final Path jobsRoot;
    private final SandboxLimits limits;
    private final List<Path> hidden;
    private final Consumer<String> log;
    private boolean keepJobs;

    /**
     * @param jobsRoot where job folders are made (each removed when its job ends)
     * @param hidden   host folders or files the child must not see even where they lie inside a folder it
     *                 sees (e.g. a dataset folder under {@code /usr}); {@code /usr/share/datasets} always is
     */
    public Sandbox(Path jobsRoot, SandboxLimits limits, List<Path> hidden, Consumer<String> log) {
        this.jobsRoot = jobsRoot.toAbsolutePath().normalize();
        this.limits = limits;
        List<Path> h = new ArrayList<>(List.of(Path.of("/usr/share/datasets")));
        hidden.forEach(p -> h.add(real(p)));
        this.hidden = List.copyOf(new LinkedHashSet<>(h));
        this.log = log;
    }

    /** Keeps job folders (inputs, script, results) for inspection instead of deleting them. */
    public Sandbox keepJobs(boolean keep) {
        this.keepJobs = keep;
        return this;
    }

    /** True unless {@code -Dpurifybench.sandbox=off}. */
    public static boolean enabled() {
        return !"off".equalsIgnoreCase(System.getProperty(MODE_PROPERTY, "on").trim());
    }

    /**
     * Fails when the sandbox is turned off: a third-party jar's defense runs nowhere else (its classes
     * are never loaded in the harness JVM).
     */
    public static void requireEnabled(PluginDescriptor d, Path jar) {
        if (!enabled()) {
            throw new UserException("defense '" + d.id() + "' from " + jar + " cannot run with -D" + MODE_PROPERTY + "=off: third-party jars"
                    + " run only in the sandbox (a confined child JVM), never in the harness JVM",
                    "drop -D" + MODE_PROPERTY + "=off (the sandbox needs root on Linux with " + Confinement.TOOLS + "), or leave the jar's"
                            + " defense out; to run your own defense in-process, use the conformance kit in your plug-in project's tests");
        }
    }

    /**
     * Fails unless this defense can run sandboxed on this machine: the sandbox tools work here and the
     * defense does not need the oracle trigger. Cheap after the first call; call it before a long run.
     */
    public static void requireSupported(PluginDescriptor d, Path jar) {
        if (d.needs(Need.ORACLE_TRIGGER)) {
            throw new UserException("defense '" + d.id() + "' from " + jar + " declares ORACLE_TRIGGER, which a sandboxed defense cannot get"
                    + " (the trigger is the attack's code, and the sandbox passes data only)",
                    "leave the oracle defense out of the matrix (an oracle defense must be a built-in plug-in: it needs the attack's code)");
        }
        String why = Confinement.unavailableReason();
        if (why != null) {
            throw new SandboxException(SandboxStatus.UNAVAILABLE, d.id(), jar, why,
                    "run PurifyBench as root on Linux with " + Confinement.TOOLS + " (containers may forbid new namespaces);"
                            + " third-party jars run nowhere else (their classes are never loaded in the harness JVM)");
        }
    }

    /**
     * Runs {@code purify} of defense {@code d} from {@code jar} on copies of the inputs and returns the
     * validated purified model (same spec as {@code backdoored}).
     *
     * @param clean asked for only if the defense declares {@link Need#CLEAN_REFERENCE_MODEL}
     */
    public HostModel purify(Path jar, PluginDescriptor d, HostModel backdoored, LabeledImages tuning, LabeledImages validation,
                          Supplier<? extends Model> clean, long seed, Params params) {
        return purification(jar, d, backdoored, tuning, validation, clean, seed, params).model();
    }

    /**
     * A sandboxed job's validated model with what the host observed of it. Besides the model, only the
     * diagnostics the defense reported come back (a jar controls everything inside the child JVM, so
     * they are checked - at most {@value #MAX_DIAGNOSTICS} finite numbers under lower-case names - and
     * stay the defense's own claims; nothing else the child says about itself is reported).
     *
     * @param seconds     the job's wall time, the child JVM's start included
     * @param diagnostics what the defense reported about its run ({@code DefenseContext.diagnostic}); empty when none or refused
     */
    public record Purification(HostModel model, double seconds, Map<String, Double> diagnostics) {
    }

    /** At most this many diagnostics come back from a job; a file with more is ignored. */
    static final int MAX_DIAGNOSTICS = 64;
    private static final int MAX_DIAGNOSTICS_BYTES = 64 * 1024;

    /** {@link #purify}, also returning the job's wall time. */
    public Purification purification(Path jar, PluginDescriptor d, HostModel backdoored, LabeledImages tuning, LabeledImages validation,
                                     Supplier<? extends Model> clean, long seed, Params params) {
        return purification(jar, d, backdoored, tuning, validation, clean, seed, params, Set.of());
    }

    /**
     * {@link #purification}, with the job holding neither the data nor the offer of {@code withheld}
     * (declared) needs: the conformance kit sees from outside whether a declared need is used.
     */
    public Purification purification(Path jar, PluginDescriptor d, HostModel backdoored, LabeledImages tuning, LabeledImages validation,
                                     Supplier<? extends Model> clean, long seed, Params params, Set<Need> withheld) {
        requireSupported(d, jar);
        ModelSpec spec = backdoored.spec();
        Path job;
        FileChannel jobLock;
        JobUid uid;
        try {
            Files.createDirectories(jobsRoot);
            if (!keepJobs) {
                removeLeftJobs();
            }
            job = Files.createTempDirectory(jobsRoot, d.id() + "-"); // rwx------
            jobLock = FileChannel.open(job.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            jobLock.lock();
        } catch (IOException e) {
            throw new UserException("cannot create a sandbox job folder in " + jobsRoot + ": " + e.getMessage(), "choose a writable --work-dir");
        }
        try {
            uid = JobUid.acquire();
        } catch (IOException e) {
            try {
                jobLock.close();
            } catch (IOException ignored) {
                // the folder goes below
            }
            deleteTree(job);
            throw new UserException("cannot take a uid for the sandbox job: " + e.getMessage(),
                    "wait for other sandbox jobs to end, or make " + JobUid.LOCKS + " writable");
        }
        long start = System.nanoTime();
        try (jobLock; uid) {
            Path in = Files.createDirectory(job.resolve("in"));
            Path root = Files.createDirectory(job.resolve("root"));
            Path result = Files.createDirectory(job.resolve("result"));
            String sha = prepareInputs(in, jar, d, spec, backdoored, tuning, validation, clean, seed, params, withheld);
            log.accept("sandbox: running defense '" + d.id() + "' from " + jar + " (sha256 " + sha.substring(0, 12) + ") in a child JVM"
                    + " as uid " + uid.uid());
            Run run = launch(job, in, root, result, spec, uid.uid());
            HostModel model = outcome(run, result, jar, d, spec, backdoored.engine());
            double seconds = (System.nanoTime() - start) / 1e9;
            log.accept(String.format(Locale.ROOT, "sandbox: defense '%s' finished (%s) in %.1f s", d.id(), SandboxStatus.OK.label(), seconds));
            return new Purification(model, seconds, diagnostics(result.resolve(SandboxJob.DIAGNOSTICS), d));
        } catch (SandboxException e) {
            log.accept(String.format(Locale.ROOT, "sandbox: defense '%s' ended with status %s after %.1f s: %s", d.id(), e.status().label(),
                    (System.nanoTime() - start) / 1e9, firstLine(e.detail())));
            throw e;
        } catch (IOException e) {
            throw new UserException("cannot prepare or read the sandbox job in " + job + ": " + e.getMessage(), "free disk space in the work folder");
        } finally {
            if (!keepJobs) {
                deleteTree(job);
            }
        }
    }

    private String prepareInputs(Path in, Path jar, PluginDescriptor d, ModelSpec spec, HostModel backdoored, LabeledImages tuning,
                                 LabeledImages validation, Supplier<? extends Model> clean, long seed, Params params,
                                 Set<Need> withheld) throws IOException {
        Path jarCopy = in.resolve("plugin.jar");
        Files.copy(jar, jarCopy, StandardCopyOption.COPY_ATTRIBUTES);
        Set<Need> needs = EnumSet.noneOf(Need.class);
        needs.addAll(d.needs());
        // a defense is never given what only evaluators get, whatever it declares
        needs.removeAll(List.of(Need.TEST_DATA, Need.RETUNING_POOL, Need.ORACLE_TRIGGER));
        needs.removeAll(withheld);
        Exchange.writeModel(backdoored, in.resolve(SandboxJob.BACKDOORED));
        if (needs.contains(Need.CLEAN_TUNING_DATA)) {
            Exchange.writeImages(tuning, in.resolve(SandboxJob.TUNING));
        }
        if (needs.contains(Need.VALIDATION_DATA)) {
            Exchange.writeImages(validation, in.resolve(SandboxJob.VALIDATION));
        }
        if (needs.contains(Need.CLEAN_REFERENCE_MODEL)) {
            Model c = clean.get();
            if (!(c instanceof HostModel sc) || !sc.spec().equals(spec)) {
                throw new IllegalStateException("the clean reference model is not a host model of the backdoored model's spec");
            }
            Exchange.writeModel(sc, in.resolve(SandboxJob.CLEAN));
        }
        String sha = Hashing.ofFile(jarCopy);
        new SandboxJob(d.id(), d.version(), jarCopy.getFileName().toString(), sha, seed, new LinkedHashMap<>(params.asMap()), needs, spec)
                .write(in.resolve(SandboxJob.FILE));
        try (Stream<Path> files = Files.list(in)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
            }
        }
        Files.setPosixFilePermissions(in, PosixFilePermissions.fromString("r-xr-xr-x"));
        return sha;
    }

    private record Run(int code, boolean setUp, boolean timedOut, double seconds, String tail) {
    }

    private Run launch(Path job, Path in, Path root, Path result, ModelSpec spec, int uid) throws IOException {
        Map<String, Long> copyOut = new LinkedHashMap<>();
        copyOut.put(SandboxJob.OUTPUT, Exchange.modelFileBytes(spec) + 1);
        copyOut.put(SandboxJob.ERROR, (long) MAX_ERROR_BYTES);
        copyOut.put("hs_err.log", (long) MAX_ERROR_BYTES);
        copyOut.put(SandboxJob.DIAGNOSTICS, (long) MAX_DIAGNOSTICS_BYTES + 1);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", Confinement.OUT);
        env.put("TMPDIR", Confinement.OUT);
        env.put("LANG", "C.UTF-8");
        env.put("MALLOC_ARENA_MAX", "2");
        // Idle OpenMP threads sleep instead of spinning (as the launcher sets it): same results, far faster on shared cores.
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        String omp = System.getenv("OMP_NUM_THREADS");
        env.put("OMP_NUM_THREADS", omp != null && omp.matches("[0-9]{1,3}") ? omp : String.valueOf(Runtime.getRuntime().availableProcessors()));
        Path script = job.resolve("sandbox.sh");
        Files.writeString(script, Confinement.script(new Confinement.Plan(in, root, result, real(Path.of(System.getProperty("java.home"))),
                hostClasspath(), javacppCache(), hidden, limits, jvmArgs(), ChildMain.class.getName(),
                List.of(Confinement.JOB, Confinement.OUT), env, copyOut, uid)));
        ProcessBuilder pb = new ProcessBuilder(Confinement.command(script)).redirectErrorStream(true);
        pb.environment().keySet().retainAll(List.of("PATH"));
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = new Thread(() -> pump(p, tail), "sandbox-output");
        pump.setDaemon(true);
        pump.start();
        boolean killed = false;
        try {
            if (!p.waitFor(limits.wall().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS)) {
                killed = true;
                kill(p);
            }
            p.waitFor();
            pump.join(5000);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while a sandboxed defense ran", "run again");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Integer code = null;
        Path exit = result.resolve("exit");
        if (Files.isRegularFile(exit, LinkOption.NOFOLLOW_LINKS)) {
            try {
                code = Integer.parseInt(Files.readString(exit).trim());
            } catch (NumberFormatException ignored) {
                // no code
            }
        }
        boolean setUp = Files.exists(result.resolve("setup-ok"), LinkOption.NOFOLLOW_LINKS);
        boolean timedOut = killed || (code != null && code == 128 + 9 && seconds >= limits.wall().toSeconds());
        String t;
        synchronized (tail) {
            t = String.join("\n", tail);
        }
        return new Run(code == null ? -1 : code, setUp, timedOut, seconds, t);
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** Forwards the child's output to the log (capped) and keeps its last lines. */
    private void pump(Process p, Deque<String> tail) {
        int forwarded = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String clean = printable(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line);
                synchronized (tail) {
                    tail.addLast(clean);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                if (forwarded < MAX_FORWARDED_LINES) {
                    log.accept("  [sandbox] " + clean);
                } else if (forwarded == MAX_FORWARDED_LINES) {
                    log.accept("  [sandbox] (further output not shown)");
                }
                forwarded++;
            }
        } catch (IOException ignored) {
            // the child is gone
        }
    }

    private HostModel outcome(Run run, Path result, Path jar, PluginDescriptor d, ModelSpec spec,
                              org.purifybench.core.model.ComputeEngine engine) throws IOException {
        String id = d.id();
        if (!run.setUp()) {
            throw new SandboxException(SandboxStatus.UNAVAILABLE, id, jar, "the sandbox could not be set up, nothing of the plug-in ran: "
                    + oneLine(run.tail()), "run PurifyBench as root on Linux with " + Confinement.TOOLS);
        }
        String error = readCapped(result.resolve(SandboxJob.ERROR));
        String hsErr = readCapped(result.resolve("hs_err.log"));
        String said = error != null ? error : run.tail();
        if (run.timedOut()) {
            throw new SandboxException(SandboxStatus.TIMEOUT, id, jar, String.format(Locale.ROOT,
                    "killed after %.0f s (wall-clock limit %d s)", run.seconds(), limits.wall().toSeconds()),
                    "make the defense faster, or raise the limit with -Dpurifybench.sandbox.wall=SECONDS (docs/architecture.md, Sandbox)");
        }
        int code = run.code();
        if (code == 128 + 24) { // SIGXCPU: the soft CPU-time limit
            throw new SandboxException(SandboxStatus.TIMEOUT, id, jar, "killed at the CPU-time limit of " + limits.cpuSeconds() + " s",
                    "make the defense faster, or raise -Dpurifybench.sandbox.cpu-seconds");
        }
        String all = said + "\n" + run.tail() + "\n" + (hsErr == null ? "" : hsErr);
        if (code == ChildMain.EXIT_MEMORY || (code != 0 && (all.contains("OutOfMemoryError") || all.contains("insufficient memory")
                || all.contains("Cannot allocate memory") || all.contains("Native memory allocation")))) {
            throw new SandboxException(SandboxStatus.MEMORY, id, jar, "exit code " + code + ": " + oneLine(said),
                    "reduce the defense's memory use (reuse arrays, free what it no longer needs) or raise the limits"
                            + " -Dpurifybench.sandbox.heap / .off-heap / .physical / .address-space (docs/architecture.md, Sandbox)");
        }
        if (code == ChildMain.EXIT_DESCRIPTOR) {
            throw new SandboxException(SandboxStatus.DESCRIPTOR_MISMATCH, id, jar, oneLine(said),
                    "make the class's descriptor() and the jar's META-INF/purifybench/plugin.properties agree (kind, id, version, needs)"
                            + " and rebuild the jar");
        }
        if (code == 0 || code == ChildMain.EXIT_NOT_HOST_MODEL) {
            Path out = result.resolve(SandboxJob.OUTPUT);
            if (code == ChildMain.EXIT_NOT_HOST_MODEL || !Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                throw new SandboxException(SandboxStatus.INVALID_OUTPUT, id, jar, "the child exited with code " + code + " without a model"
                        + (error != null ? ": " + oneLine(error) : ""), "return the context's model (or a copy of it) from purify; do not call System.exit");
            }
            try {
                return Exchange.readModel(out, spec, engine);
            } catch (Exchange.InvalidModelException e) {
                throw new SandboxException(SandboxStatus.INVALID_OUTPUT, id, jar, e.getMessage(),
                        "return the context's model (or a copy of it) after modifying its parameters; every value must be finite");
            }
        }
        String how = code == 128 + 9 ? "killed by SIGKILL (the hard CPU-time limit, or the kernel's out-of-memory killer)"
                : code > 128 ? "killed by signal " + (code - 128) : code < 0 ? "ended without an exit code" : "exit code " + code;
        throw new SandboxException(SandboxStatus.FAILED, id, jar, how + ": " + oneLine(said),
                "fix the defense (its error is in the log above; the conformance kit runs it in-process), or leave it out of the matrix");
    }

    /**
     * The diagnostics a finished job's defense reported, checked: a JSON object of at most
     * {@value #MAX_DIAGNOSTICS} entries, each a lower-case hyphenated name (at most 64 characters) and a
     * finite number. Anything else makes the whole file ignored, with a log line (its content is not shown:
     * it is the jar's text); the model is kept either way.
     */
    private Map<String, Double> diagnostics(Path file, PluginDescriptor d) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Map.of();
        }
        String why;
        try {
            if (Files.size(file) > MAX_DIAGNOSTICS_BYTES) {
                why = "the file is larger than " + MAX_DIAGNOSTICS_BYTES + " bytes";
            } else {
                com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
                Map<String, Double> out = new java.util.TreeMap<>();
                why = tree == null || !tree.isObject() ? "not a JSON object"
                        : tree.size() > MAX_DIAGNOSTICS ? tree.size() + " entries (at most " + MAX_DIAGNOSTICS + ")" : null;
                if (why == null) {
                    for (var it = tree.fields(); it.hasNext() && why == null; ) {
                        var e = it.next();
                        if (e.getKey().length() > 64 || !e.getKey().matches("[a-z0-9]+(-[a-z0-9]+)*")) {
                            why = "a name is not lower-case words joined by hyphens (at most 64 characters)";
                        } else if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                            why = "a value is not a finite number";
                        } else {
                            out.put(e.getKey(), e.getValue().asDouble());
                        }
                    }
                }
                if (why == null) {
                    return out;
                }
            }
        } catch (IOException | RuntimeException e) {
            why = "it is not readable JSON";
        }
        log.accept("sandbox: the diagnostics of defense '" + d.id() + "' are ignored: " + why
                + " (a defense reports at most " + MAX_DIAGNOSTICS + " finite numbers under lower-case hyphenated names)");
        return Map.of();
    }

    /** The needs the child says the defense asked for: names of {@link Need} only, anything else in the file is ignored. */
    private static String readCapped(Path f) throws IOException {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try (var in = Files.newInputStream(f)) {
            return printable(new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8)).trim();
        }
    }

    /** Control characters (terminal escapes) replaced, line breaks kept. */
    private static String printable(String s) {
        return s.replaceAll("[\\p{Cntrl}&&[^\n\t]]", "?");
    }

    /** The first lines of a plug-in's error, for a one-line message. */
    private static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "(no output)";
        }
        List<String> lines = s.lines().map(String::trim).filter(l -> !l.isEmpty()).limit(4).toList();
        String j = String.join(" | ", lines);
        return j.length() > 600 ? j.substring(0, 600) + "..." : j;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private List<String> jvmArgs() {
        List<String> a = new ArrayList<>(List.of(
                "-Xmx" + limits.heapBytes() / (1 << 20) + "m",
                "-XX:MaxDirectMemorySize=" + limits.directBytes(),
                "-XX:+UseParallelGC", "-Xmn32m", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData",
                "-XX:ErrorFile=" + Confinement.OUT + "/hs_err.log",
                "-Djava.io.tmpdir=" + Confinement.OUT, "-Duser.home=" + Confinement.OUT, "-Djava.awt.headless=true",
                "-Dorg.bytedeco.javacpp.cachedir=" + Confinement.JAVACPP,
                "-Dorg.bytedeco.javacpp.maxbytes=" + limits.offHeapBytes(),
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + limits.physicalBytes()));
        String ext = System.getProperty("org.bytedeco.javacpp.platform.extension");
        if (ext != null) {
            a.add("-Dorg.bytedeco.javacpp.platform.extension=" + ext);
        }
        return a;
    }

    /** JavaCPP's cache of extracted native libraries (read-only in the sandbox: the child extracts nothing). */
    private static Path javacppCache() throws IOException {
        // loading ND4J's backend extracts its libraries into the cache if they are not there yet
        org.nd4j.linalg.factory.Nd4j.getBackend();
        return org.bytedeco.javacpp.Loader.getCacheDir().toPath().toRealPath();
    }

    /**
     * The harness's class path as files (a launcher jar's manifest Class-Path expanded, as Surefire's
     * uses one), with the core's own location first so the child finds {@link ChildMain}.
     */
    static List<Path> hostClasspath() {
        LinkedHashSet<Path> out = new LinkedHashSet<>();
        Path core = CodeFingerprint.locationOf(Sandbox.class);
        if (core != null) {
            out.add(core.toAbsolutePath().normalize());
        }
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath().normalize();
            out.add(p);
            if (p.toString().endsWith(".jar") && Files.isRegularFile(p)) {
                try (JarFile jf = new JarFile(p.toFile())) {
                    var mf = jf.getManifest();
                    String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String u : cp.trim().split("\\s+")) {
                            try {
                                java.net.URI uri = p.toUri().resolve(u);
                                out.add(Path.of(uri).toAbsolutePath().normalize());
                            } catch (RuntimeException ignored) {
                                // not a file URL
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // not readable: the child will say what is missing
                }
            }
        }
        for (Class<?> c : List.of(org.purifybench.spi.Defense.class, org.purifybench.toolkit.Seeds.class,
                org.nd4j.linalg.factory.Nd4j.class, org.bytedeco.javacpp.Loader.class)) {
            Path l = CodeFingerprint.locationOf(c);
            if (l != null) {
                out.add(l.toAbsolutePath().normalize());
            }
        }
        // real paths: the sandbox's root holds no host symbolic links a bind target could pass through
        return out.stream().filter(Files::exists).map(Sandbox::real).distinct().toList();
    }

    /** The absolute path without symbolic links (as far as it exists). */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }

    /** Deletes a job folder (made writable first: job inputs are read-only); leaves what it cannot remove. */
    /**
     * Removes job folders a killed harness left behind (its sandbox died with it: Confinement.command).
     * A running job holds the lock of its folder's {@code .lock} (any process's, the lock dies with
     * it), so only abandoned folders go; a folder with no lock file is left if it is under a minute old
     * (a job between creating its folder and locking it).
     */
    void removeLeftJobs() {
        try (Stream<Path> jobs = Files.list(jobsRoot)) {
            for (Path job : (Iterable<Path>) jobs.filter(f -> Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS))::iterator) {
                Path lockFile = job.resolve(LOCK);
                if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                    if (Files.getLastModifiedTime(job).toInstant().isBefore(java.time.Instant.now().minusSeconds(60))) {
                        deleteTree(job);
                    }
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    FileLock l = ch.tryLock();
                    if (l == null) {
                        continue;
                    }
                    l.release();
                } catch (java.nio.channels.OverlappingFileLockException runningHere) {
                    continue;
                }
                log.accept("sandbox: removing " + job + ", left by a harness that was stopped while its job ran");
                deleteTree(job);
            }
        } catch (IOException e) {
            // a folder that cannot be listed or removed now is tried again by the next job
        }
    }

    public static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> p.toFile().setWritable(true, true));
        } catch (IOException | RuntimeException ignored) {
            // deleting below says what is left
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leftovers in the work folder's sandbox/ directory; no later job depends on them
        }
    }
}
