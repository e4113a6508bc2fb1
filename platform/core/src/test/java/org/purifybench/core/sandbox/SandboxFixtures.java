package org.purifybench.core.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.plugin.DescriptorFile;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Plugin;

/**
 * Third-party defenses compiled in the test (javax.tools, against the SPI and ND4J only) and packed
 * into plug-in jars: one benign defense and one per hostile behaviour the sandbox must contain.
 * Each class's defense id is its simple name in lower case with dashes (HeapHog: heap-hog).
 */
final class SandboxFixtures {
    static final String PKG = "com.example.sbx";
    private static final String HEAD = "package com.example.sbx;\nimport org.purifybench.spi.*;\nimport java.util.*;\n";
    private static final Map<String, String> SOURCES = new LinkedHashMap<>();
    /** The needs each defense fixture declares, as descriptor-file text. */
    private static final Map<String, String> NEEDS = new LinkedHashMap<>();

    static {
        // Fine-tunes on the tuning set with the host's trainer: deterministic for a seed.
        defense("FineTune", "Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA", """
                Model m = c.backdooredModel();
                c.host().trainer().train(m, c.requireTuningData(), TrainConfig.sgd(c.params().getInt("epochs", 1), 16, 0.05),
                        StepHook.PLAIN, c.seed(), "fine-tune");
                c.host().log("fine-tune: validation accuracy " + c.host().trainer().accuracy(m, c.requireValidationData()));
                try {
                    c.host().log("fine-tune: " + String.join(" ", java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                            .filter(l -> l.matches("(VmPeak|VmHWM|Threads|Uid|Gid|CapEff|CapBnd|NoNewPrivs):.*")).map(l -> l.replaceAll("\\s+", " ")).toList()));
                } catch (java.io.IOException e) {
                    c.host().log("fine-tune: no /proc/self/status");
                }
                return m;
                """);
        // the identity (a matrix needs 'none')
        defense("None", "", "return c.backdooredModel();\n");
        // reports diagnostics, as a trigger-inverting defense does
        defense("Diagnose", "", """
                c.diagnostic("inverted-target", 3);
                c.diagnostic("inverted-target-share", 0.75);
                return c.backdooredModel();
                """);
        // reports more diagnostics than a job may return
        defense("DiagnoseFlood", "", """
                for (int i = 0; i < 100; i++) {
                    c.diagnostic("d" + i, i);
                }
                return c.backdooredModel();
                """);
        // writes the diagnostics file itself, with a value that is no number
        defense("DiagnoseForge", "", """
                try {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("HOME"), "diagnostics.json"), "{\\"inverted-target\\": \\"0; rm -rf /\\"}");
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                return c.backdooredModel();
                """);
        // (1) network: tries each host:port in params "targets" and fails with what happened.
        defense("NetProbe", "", """
                StringBuilder r = new StringBuilder("network:");
                boolean any = false;
                for (String t : c.params().getString("targets", "").split(",")) {
                    String[] hp = t.split(":");
                    try (java.net.Socket s = new java.net.Socket()) {
                        s.connect(new java.net.InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 3000);
                        s.getOutputStream().write("pwned\\n".getBytes());
                        r.append(" ").append(t).append("=CONNECTED");
                        any = true;
                    } catch (Exception e) {
                        r.append(" ").append(t).append("=").append(e.getClass().getSimpleName()).append("(").append(e.getMessage()).append(")");
                    }
                }
                if (any) {
                    return c.backdooredModel();
                }
                throw new IllegalStateException(r.toString());
                """);
        // (2) writes each path in params "paths"; throws with the outcome (returns the model if any write worked).
        defense("FileWrite", "", """
                StringBuilder r = new StringBuilder("writes:");
                boolean any = false;
                for (String p : c.params().getString("paths", "").split(",")) {
                    try {
                        java.nio.file.Files.writeString(java.nio.file.Path.of(p), "pwned");
                        r.append(" ").append(p).append("=WRITTEN");
                        any = !p.startsWith("/out/");
                    } catch (Exception e) {
                        r.append(" ").append(p).append("=").append(e.getClass().getSimpleName());
                    }
                }
                if (any) {
                    return c.backdooredModel();
                }
                throw new IllegalStateException(r.toString());
                """);
        // (3) reads each path in params "paths" and lists what it sees of the file system.
        defense("FileRead", "", """
                StringBuilder r = new StringBuilder("reads:");
                boolean any = false;
                for (String p : c.params().getString("paths", "").split(",")) {
                    try {
                        byte[] b = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(p));
                        r.append(" ").append(p).append("=READ ").append(b.length).append(" bytes");
                        any = true;
                    } catch (Exception e) {
                        r.append(" ").append(p).append("=").append(e.getClass().getSimpleName());
                    }
                }
                for (String d : new String[] {"/", "/usr/share/datasets", "/tmp", "/out", "/job"}) {
                    String[] names = new java.io.File(d).list();
                    r.append("; ls ").append(d).append(": ").append(names == null ? "-" : String.join(" ", new TreeSet<>(Arrays.asList(names))));
                }
                if (any) {
                    return c.backdooredModel();
                }
                throw new IllegalStateException(r.toString());
                """);
        // (4) exits the JVM without output.
        defense("ExitEarly", "", """
                System.exit(0);
                return null;
                """);
        // (5) loops forever.
        defense("Spin", "", """
                long x = 0;
                while (x >= 0) {
                    x = (x * 31 + 7) & Long.MAX_VALUE;
                }
                return c.backdooredModel();
                """);
        // starts threads without bound (each sleeps forever).
        // With param hold=S it keeps every task it got for S seconds after reaching the limit (so a job
        // running beside it meets a machine whose sandbox tasks are all taken, if they were shared).
        defense("ThreadBomb", "", """
                for (int i = 0; ; i++) {
                    Thread t = new Thread(() -> {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            return;
                        }
                    });
                    t.setDaemon(true);
                    try {
                        t.start();
                    } catch (OutOfMemoryError full) {
                        c.host().log("threads: limit reached at " + i);
                        try {
                            Thread.sleep(1000L * c.params().getInt("hold", 0));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw full;
                    }
                    if (i % 256 == 0) {
                        c.host().log("threads: " + i);
                    }
                }
                """);
        // (6) allocates heap without bound.
        defense("HeapHog", "", """
                List<long[]> keep = new ArrayList<>();
                while (true) {
                    keep.add(new long[1 << 20]);
                }
                """);
        // (7) allocates off-heap without bound: ND4J arrays, direct buffers or raw native memory (params "how").
        defense("OffHeapHog", "", """
                List<Object> keep = new ArrayList<>();
                String how = c.params().getString("how", "nd4j");
                try {
                    sun.misc.Unsafe u = null;
                    if (how.equals("unsafe")) {
                        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                        f.setAccessible(true);
                        u = (sun.misc.Unsafe) f.get(null);
                    }
                    for (long total = 0; ; total += 64L << 20) {
                        if (how.equals("nd4j")) {
                            keep.add(org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 16L << 20));
                        } else if (how.equals("direct")) {
                            keep.add(java.nio.ByteBuffer.allocateDirect(64 << 20));
                        } else {
                            long a = u.allocateMemory(64L << 20);
                            u.setMemory(a, 64L << 20, (byte) 1);
                            keep.add(a);
                        }
                        if (total % (1L << 30) == 0) {
                            c.host().log("off-heap (" + how + "): " + (total >> 20) + " MB");
                        }
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                """);
        // (8) forks: a shell that touches a file, and a long sleep left running; then returns the model.
        defense("Forker", "", """
                try {
                    Process p = new ProcessBuilder("sh", "-c", "touch " + c.params().getString("touch", "/tmp/forked")).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes()).trim();
                    c.host().log("fork: touch exited " + p.waitFor() + " (" + out + ")");
                    new ProcessBuilder("sleep", c.params().getString("sleep", "987.5")).start();
                    c.host().log("fork: sleep started");
                } catch (Exception e) {
                    c.host().log("fork: " + e);
                }
                return c.backdooredModel();
                """);
        // a model with a NaN parameter
        defense("NanModel", "", """
                Model m = c.backdooredModel();
                org.nd4j.linalg.api.ndarray.INDArray flat = m.flatParameters();
                flat.putScalar(0, Double.NaN);
                m.setFlatParameters(flat);
                return m;
                """);
        // a model that is not the host's: a plug-in's own implementation of Model
        defense("ForeignModel", "", """
                Model m = c.backdooredModel();
                return (Model) java.lang.reflect.Proxy.newProxyInstance(Model.class.getClassLoader(), new Class<?>[] {Model.class},
                        (proxy, method, args) -> method.invoke(m, args));
                """);
        // writes the output file itself and halts with 0: garbage bytes, or a link to a host file (params "how")
        defense("ForgeOutput", "", """
                try {
                    java.nio.file.Path out = java.nio.file.Path.of("/out/purified.model");
                    String how = c.params().getString("how", "garbage");
                    if (how.equals("other-arch")) {
                        // class-loader isolation is no security boundary: the host's classes are reachable by reflection
                        ClassLoader sys = ClassLoader.getSystemClassLoader();
                        Class<?> specClass = sys.loadClass("org.purifybench.core.model.ModelSpec");
                        Object spec = specClass.getMethod("of", String.class, ImageShape.class, int.class, int.class)
                                .invoke(null, "cnn-small", c.backdooredModel().inputShape(), c.numClasses(), 8);
                        Class<?> modelClass = sys.loadClass("org.purifybench.core.model.SdModel");
                        Object model = modelClass.getMethod("create", specClass, long.class).invoke(null, spec, 1L);
                        Class<?> hostModel = sys.loadClass("org.purifybench.core.model.HostModel");
                        sys.loadClass("org.purifybench.core.sandbox.Exchange").getMethod("writeModel", hostModel, java.nio.file.Path.class)
                                .invoke(null, model, out);
                    } else if (how.equals("symlink")) {
                        java.nio.file.Files.createSymbolicLink(out, java.nio.file.Path.of(c.params().getString("target", "/etc/passwd")));
                    } else {
                        java.nio.file.Files.write(out, new byte[12345]);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Runtime.getRuntime().halt(0);
                return null;
                """);
    }

    /** Classes that are not defenses, by simple name (attacks and evaluators: built-in plug-ins in tests, see {@link #builtIns}). */
    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        // a corner pixel set to 1 and the label set to the target, for the matrix test
        KINDS.put("TinyPatch", Kind.ATTACK);
        SOURCES.put("TinyPatch", HEAD + """
                import org.nd4j.linalg.api.ndarray.INDArray;
                public class TinyPatch implements Attack {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.ATTACK, "tiny-patch", "1.0", "sandbox fixture", "");
                    }
                    public Backdoor prepare(AttackContext c) {
                        int target = c.targetLabel();
                        double rate = c.poisonRate();
                        return new Backdoor() {
                            public int targetLabel() {
                                return target;
                            }
                            public PoisonedSet poison(LabeledImages clean) {
                                int[] candidates = clean.indicesNotLabeled(target);
                                int[] chosen = Arrays.copyOf(candidates, (int) Math.round(clean.size() * rate));
                                int[] labels = clean.labels();
                                for (int i : chosen) {
                                    labels[i] = target;
                                }
                                INDArray images = clean.images().dup();
                                for (int i : chosen) {
                                    images.putScalar(new long[] {i, 0, 0, 0}, 1.0);
                                }
                                return new PoisonedSet(new LabeledImages(images, labels, clean.numClasses()), chosen);
                            }
                            public INDArray apply(INDArray images, Phase phase) {
                                INDArray x = images.dup();
                                for (long i = 0; i < x.size(0); i++) {
                                    x.putScalar(new long[] {i, 0, 0, 0}, 1.0);
                                }
                                return x;
                            }
                        };
                    }
                }
                """);
        KINDS.put("AccuracyProbe", Kind.EVALUATOR);
        SOURCES.put("AccuracyProbe", HEAD + """
                public class AccuracyProbe implements Evaluator {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.EVALUATOR, "accuracy-probe", "1.0", "sandbox fixture", "", Need.TEST_DATA);
                    }
                    public EvaluationResult evaluate(EvaluationContext c) {
                        return new EvaluationResult().metric("acc", c.host().trainer().accuracy(c.purifiedModel(), c.testData()));
                    }
                }
                """);
    }

    /** The harness-side marker of the Hostile fixture (a fresh path per JVM). */
    static final Path HOSTILE_MARKER;
    static final String HOSTILE_PROPERTY = "purifybench.test.sbx.hostile";

    static {
        try {
            Path dir = Files.createTempDirectory(org.purifybench.core.plugin.TestScratch.dir(), "sbx-hostile");
            // shared by several test classes, so removed when the JVM ends (marker first: the folder must be empty)
            dir.toFile().deleteOnExit();
            HOSTILE_MARKER = dir.resolve("marker.txt").toAbsolutePath();
            HOSTILE_MARKER.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // acts as soon as it is loaded; a benign defense otherwise (returns the model unchanged)
        NEEDS.put("Hostile", "");
        SOURCES.put("Hostile", HEAD + """
                public class Hostile implements Defense {
                    static {
                        mark("static initialiser");
                    }
                    public Hostile() {
                        mark("constructor");
                    }
                    static void mark(String where) {
                        System.setProperty("%s", where);
                        try {
                            java.nio.file.Files.writeString(java.nio.file.Path.of("%s"), where + "\\n",
                                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                        } catch (Exception e) {
                            System.err.println("hostile: cannot write the marker from " + where + ": " + e);
                        }
                    }
                    public PluginDescriptor descriptor() {
                        mark("descriptor()");
                        return PluginDescriptor.of(Kind.DEFENSE, "hostile", "1.0", "acts when loaded", "");
                    }
                    public Model purify(DefenseContext c) {
                        return c.backdooredModel();
                    }
                }
                """.formatted(HOSTILE_PROPERTY, HOSTILE_MARKER));
    }

    private static void defense(String name, String needs, String body) {
        NEEDS.put(name, needs.replace("Need.", ""));
        SOURCES.put(name, HEAD + "public class " + name + " implements Defense {\n"
                + "    public PluginDescriptor descriptor() {\n"
                + "        return PluginDescriptor.of(Kind.DEFENSE, \"" + id(name) + "\", \"1.0\", \"sandbox fixture\", \"\""
                + (needs.isEmpty() ? "" : ", " + needs) + ");\n"
                + "    }\n"
                + "    public Model purify(DefenseContext c) {\n" + body.indent(8) + "    }\n}\n");
    }

    /** The defense id of a fixture class: FileWrite -> file-write. */
    static String id(String simpleName) {
        return simpleName.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, byte[]> compiled;

    private SandboxFixtures() {
    }

    static synchronized Map<String, byte[]> classes() {
        if (compiled == null) {
            compiled = compile();
        }
        return compiled;
    }

    private static Map<String, byte[]> compile() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the plug-in fixtures");
        try {
            Path dir = Files.createTempDirectory("purifybench-sandbox-fixtures");
            Path src = Files.createDirectories(dir.resolve("src"));
            Path out = Files.createDirectories(dir.resolve("classes"));
            List<String> args = new ArrayList<>(List.of("-proc:none", "--release", "17", "-nowarn", "-XDignore.symbol.file",
                    "-d", out.toString(), "-classpath", Stream.of(Plugin.class, org.nd4j.linalg.api.ndarray.INDArray.class)
                            .map(CodeFingerprint::locationOf).map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator))));
            for (var e : SOURCES.entrySet()) {
                Path f = src.resolve(e.getKey() + ".java");
                Files.writeString(f, e.getValue());
                args.add(f.toString());
            }
            if (javac.run(null, null, System.err, args.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("compiling the sandbox fixtures failed");
            }
            Map<String, byte[]> classes = new LinkedHashMap<>();
            try (Stream<Path> files = Files.walk(out)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class")).sorted()::iterator) {
                    classes.put(out.relativize(f).toString(), Files.readAllBytes(f));
                }
            }
            deleteTree(dir);
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A plug-in jar with the given defense fixtures (and their inner classes), services entries and descriptor. */
    static Path jar(Path file, String... simpleNames) throws IOException {
        return jar(file, d -> d, simpleNames);
    }

    /**
     * The attack and evaluator fixtures (and any others) as built-in plug-ins: their classes and services
     * entries in a class folder, and a class loader over it that shares the SPI with the harness.
     * Third-party jars may hold defenses only, so a test matrix's attack and evaluator come from here.
     */
    static ClassLoader builtIns(Path folder, String... simpleNames) throws IOException {
        Map<Kind, StringBuilder> services = new LinkedHashMap<>();
        for (String s : simpleNames) {
            String prefix = PKG.replace('.', '/') + "/" + s;
            for (var e : classes().entrySet()) {
                if (e.getKey().equals(prefix + ".class") || e.getKey().startsWith(prefix + "$")) {
                    Path f = folder.resolve(e.getKey());
                    Files.createDirectories(f.getParent());
                    Files.write(f, e.getValue());
                }
            }
            services.computeIfAbsent(KINDS.getOrDefault(s, Kind.DEFENSE), x -> new StringBuilder()).append(PKG).append('.').append(s).append('\n');
        }
        for (var e : services.entrySet()) {
            Path f = folder.resolve("META-INF/services/" + DescriptorFile.serviceType(e.getKey()).getName());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue().toString());
        }
        return new java.net.URLClassLoader(new java.net.URL[] {folder.toUri().toURL()}, SandboxFixtures.class.getClassLoader());
    }

    /** {@link #jar(Path, String...)} with its descriptor file's text passed through {@code edit} (e.g. to make it disagree). */
    static Path jar(Path file, java.util.function.UnaryOperator<String> edit, String... simpleNames) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        StringBuilder descriptor = new StringBuilder("spi-version = 1\n");
        Map<Kind, StringBuilder> services = new LinkedHashMap<>();
        for (String s : simpleNames) {
            Kind kind = KINDS.getOrDefault(s, Kind.DEFENSE);
            String k = kind.name().toLowerCase(java.util.Locale.ROOT);
            String prefix = PKG.replace('.', '/') + "/" + s;
            classes().forEach((name, bytes) -> {
                if (name.equals(prefix + ".class") || name.startsWith(prefix + "$")) {
                    entries.put(name, bytes);
                }
            });
            descriptor.append(k).append('.').append(id(s)).append(".class = ").append(PKG).append('.').append(s).append('\n');
            descriptor.append(k).append('.').append(id(s)).append(".version = 1.0\n");
            descriptor.append(k).append('.').append(id(s)).append(".needs = ").append(NEEDS.getOrDefault(s, "")).append('\n');
            descriptor.append(k).append('.').append(id(s)).append(".description = sandbox fixture\n");
            services.computeIfAbsent(kind, x -> new StringBuilder()).append(PKG).append('.').append(s).append('\n');
        }
        entries.put(DescriptorFile.PATH, edit.apply(descriptor.toString()).getBytes(StandardCharsets.UTF_8));
        services.forEach((kind, text) -> entries.put("META-INF/services/" + DescriptorFile.serviceType(kind).getName(),
                text.toString().getBytes(StandardCharsets.UTF_8)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
