package org.purifybench.core.plugin;

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
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Plugin;

/**
 * Third-party plug-in classes compiled in the test (javax.tools) against the SPI, in a package
 * that is not the platform's, and a builder for jars made of them (hostile ones included).
 */
final class TestJars {
    static final String PKG = "com.example.plug";
    static final String TRIPWIRE_PROPERTY = "purifybench.test.tripwire";
    /** Set by the Hostile fixture's static initialiser, constructor and descriptor() (with where as value). */
    static final String HOSTILE_PROPERTY = "purifybench.test.hostile";
    /** The file the Hostile fixture's code appends to wherever it runs (a fresh path per JVM). */
    static final Path HOSTILE_MARKER = hostileMarker();

    private static Path hostileMarker() {
        try {
            Path dir = Files.createTempDirectory(TestScratch.dir(), "hostile");
            // shared by several test classes, so removed when the JVM ends (marker first: the folder must be empty)
            dir.toFile().deleteOnExit();
            Path marker = dir.resolve("marker.txt").toAbsolutePath();
            marker.toFile().deleteOnExit();
            return marker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("GoodDefense", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class GoodDefense implements Defense {
                    /** Which classes this plug-in's own code can reach (Class.forName uses its class loader). */
                    public static String probe() {
                        return "core=" + sees("org.purifybench.core.UserException")
                                + " jackson=" + sees("com.fasterxml.jackson.databind.ObjectMapper")
                                + " picocli=" + sees("picocli.CommandLine")
                                + " spi=" + sees("org.purifybench.spi.Defense")
                                + " nd4j=" + sees("org.nd4j.linalg.api.ndarray.INDArray")
                                + " jdk=" + sees("java.sql.Connection")
                                + " sibling=" + sees("com.example.plug.OtherDefense")
                                + " own=" + sees("com.example.plug.TinyAttack");
                    }
                    private static boolean sees(String name) {
                        try {
                            Class.forName(name);
                            return true;
                        } catch (ClassNotFoundException | LinkageError e) {
                            return false;
                        }
                    }
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "good-defense", "1.2.3", probe(), "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """);
        SOURCES.put("TinyAttack", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class TinyAttack implements Attack {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.ATTACK, "tiny-attack", "0.1", "does nothing", "");
                    }
                    public Backdoor prepare(AttackContext context) {
                        throw new UnsupportedOperationException();
                    }
                }
                """);
        SOURCES.put("OtherDefense", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class OtherDefense implements Defense {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "other-defense", "1", "another jar's defense", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """);
        SOURCES.put("Tripwire", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class Tripwire implements Defense {
                    static {
                        System.setProperty("%s", "initialised");
                    }
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "tripwire", "1", "sets a property when its class initialises", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """.formatted(TRIPWIRE_PROPERTY));
        // third-party code that acts as soon as it is loaded: class initialisation, construction, descriptor()
        SOURCES.put("Hostile", """
                package com.example.plug;
                import org.purifybench.spi.*;
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
                            // in the sandbox the harness's files are out of reach
                        }
                    }
                    public PluginDescriptor descriptor() {
                        mark("descriptor()");
                        return PluginDescriptor.of(Kind.DEFENSE, "hostile", "1", "acts when loaded", "");
                    }
                    public Model purify(DefenseContext context) {
                        mark("purify");
                        return context.backdooredModel();
                    }
                }
                """.formatted(HOSTILE_PROPERTY, HOSTILE_MARKER));
        SOURCES.put("Impostor", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class Impostor implements Defense {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "alpha", "1", "takes a built-in id", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """);
        SOURCES.put("UsesCore", """
                package com.example.plug;
                import org.purifybench.spi.*;
                public class UsesCore implements Defense {
                    private final RuntimeException e = new org.purifybench.core.UserException("links the core", "it must not");
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "uses-core", "1", e.getMessage(), "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """);
    }

    private static Map<String, byte[]> compiled;

    private TestJars() {
    }

    /** The compiled fixture classes, by entry name (com/example/plug/X.class). Compiled once per JVM. */
    static synchronized Map<String, byte[]> classes() {
        if (compiled == null) {
            compiled = compile();
        }
        return compiled;
    }

    static byte[] classBytes(String simpleName) {
        byte[] b = classes().get(PKG.replace('.', '/') + "/" + simpleName + ".class");
        if (b == null) {
            throw new IllegalArgumentException(simpleName);
        }
        return b;
    }

    static String className(String simpleName) {
        return PKG + "." + simpleName;
    }

    private static Map<String, byte[]> compile() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the plug-in fixtures");
        try {
            Path dir = Files.createTempDirectory("purifybench-plugin-fixtures");
            Path src = Files.createDirectories(dir.resolve("src"));
            Path out = Files.createDirectories(dir.resolve("classes"));
            List<String> args = new ArrayList<>(List.of("-proc:none", "--release", "17", "-nowarn", "-d", out.toString(),
                    "-classpath", classpath(Plugin.class, org.nd4j.linalg.api.ndarray.INDArray.class, UserException.class)));
            for (var e : SOURCES.entrySet()) {
                Path f = src.resolve(e.getKey() + ".java");
                Files.writeString(f, e.getValue());
                args.add(f.toString());
            }
            int rc = javac.run(null, null, System.err, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("compiling the plug-in fixtures failed");
            }
            Map<String, byte[]> classes = new LinkedHashMap<>();
            try (Stream<Path> files = Files.walk(out)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class")).sorted()::iterator) {
                    classes.put(out.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
            deleteTree(dir);
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String classpath(Class<?>... classes) {
        return Stream.of(classes).map(CodeFingerprint::locationOf).map(Path::toString)
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Builder jar() {
        return new Builder();
    }

    /** A jar with the given plug-in classes, a services entry per kind and a matching descriptor. */
    static Builder plugin(String... simpleNames) {
        Builder b = new Builder();
        Map<Kind, StringBuilder> services = new LinkedHashMap<>();
        for (String s : simpleNames) {
            String[] identity = identity(s);
            Kind kind = Kind.valueOf(identity[0].toUpperCase());
            services.computeIfAbsent(kind, k -> new StringBuilder()).append(className(s)).append('\n');
            b.entry(PKG.replace('.', '/') + "/" + s + ".class", classBytes(s));
        }
        b.entry(DescriptorFile.PATH, descriptorOf(simpleNames));
        services.forEach((kind, text) -> b.entry("META-INF/services/" + DescriptorFile.serviceType(kind).getName(), text.toString()));
        return b;
    }

    /** A descriptor file declaring the fixtures as their classes do (kind, id, version, no needs). */
    static String descriptorOf(String... simpleNames) {
        StringBuilder sb = new StringBuilder("spi-version = 1\n");
        for (String s : simpleNames) {
            String[] id = identity(s);
            String prefix = id[0] + "." + id[1];
            sb.append(prefix).append(".class = ").append(className(s)).append('\n');
            sb.append(prefix).append(".version = ").append(id[2]).append('\n');
            sb.append(prefix).append(".needs =\n");
            sb.append(prefix).append(".description = test fixture ").append(s).append('\n');
        }
        return sb.toString();
    }

    /** kind, id, version each fixture's class declares. */
    static String[] identity(String simpleName) {
        return switch (simpleName) {
            case "Hostile" -> new String[] {"defense", "hostile", "1"};
            case "GoodDefense" -> new String[] {"defense", "good-defense", "1.2.3"};
            case "TinyAttack" -> new String[] {"attack", "tiny-attack", "0.1"};
            case "OtherDefense" -> new String[] {"defense", "other-defense", "1"};
            case "Tripwire" -> new String[] {"defense", "tripwire", "1"};
            case "Impostor" -> new String[] {"defense", "alpha", "1"};
            case "UsesCore" -> new String[] {"defense", "uses-core", "1"};
            default -> throw new IllegalArgumentException(simpleName);
        };
    }

    /** Entries in order; a later entry() with the same name replaces the earlier one. */
    static final class Builder {
        private final Map<String, byte[]> entries = new LinkedHashMap<>();
        private final Map<String, Boolean> stored = new LinkedHashMap<>();

        Builder entry(String name, byte[] bytes) {
            entries.put(name, bytes);
            return this;
        }

        Builder entry(String name, String text) {
            return entry(name, text.getBytes(StandardCharsets.UTF_8));
        }

        Builder storedEntry(String name, byte[] bytes) {
            stored.put(name, true);
            return entry(name, bytes);
        }

        Builder remove(String name) {
            entries.remove(name);
            return this;
        }

        Builder descriptor(String text) {
            return entry(DescriptorFile.PATH, text);
        }

        Path write(Path file) throws IOException {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
                for (var e : entries.entrySet()) {
                    ZipEntry z = new ZipEntry(e.getKey());
                    if (stored.containsKey(e.getKey())) {
                        CRC32 crc = new CRC32();
                        crc.update(e.getValue());
                        z.setMethod(ZipEntry.STORED);
                        z.setSize(e.getValue().length);
                        z.setCompressedSize(e.getValue().length);
                        z.setCrc(crc.getValue());
                    }
                    zip.putNextEntry(z);
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            return file;
        }
    }

    /**
     * Renames entries in the raw bytes of a zip (local headers and central directory alike):
     * how a test makes a zip that {@link ZipOutputStream} refuses to write, e.g. one with a
     * repeated name. {@code from} and {@code to} must have the same length.
     */
    static void rename(Path zip, String from, String to) throws IOException {
        if (from.length() != to.length()) {
            throw new IllegalArgumentException("same length only");
        }
        byte[] bytes = Files.readAllBytes(zip);
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        int n = 0;
        outer:
        for (int i = 0; i + f.length <= bytes.length; i++) {
            for (int j = 0; j < f.length; j++) {
                if (bytes[i + j] != f[j]) {
                    continue outer;
                }
            }
            System.arraycopy(t, 0, bytes, i, t.length);
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException(from + " not found");
        }
        Files.write(zip, bytes);
    }
}
