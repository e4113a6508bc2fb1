package org.purifybench.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * SHA-256 of the compiled classes that produce a cached model. Cache keys use it instead of the
 * git commit, so a commit that does not touch training code (a report, a new defense in another
 * jar) keeps the hours of backdoor training already done, while any change to the bytes of the
 * code that trains keeps a stale model from being reused. Results still record the git commit.
 */
public final class CodeFingerprint {
    /** Core packages whose classes decide what a trained model looks like. */
    private static final List<String> TRAINING_PACKAGES = List.of(
            "org/purifybench/core/model/", "org/purifybench/core/train/", "org/purifybench/core/data/",
            "org/purifybench/core/host/");
    /**
     * SPI types only evaluators see: no model is trained through them, so adding to the evaluators'
     * contract must not throw away hours of cached training. Prefixes, so nested classes count too.
     */
    private static final List<String> EVALUATION_ONLY_SPI = List.of(
            "org/purifybench/spi/Evaluator.", "org/purifybench/spi/Evaluator$",
            "org/purifybench/spi/EvaluationContext.", "org/purifybench/spi/EvaluationContext$",
            "org/purifybench/spi/EvaluationResult.", "org/purifybench/spi/EvaluationResult$");
    private static final Map<String, String> MEMO = new ConcurrentHashMap<>();

    private CodeFingerprint() {
    }

    /** Fingerprint of the core's training code and of the SPI (without the evaluator-only types). */
    public static String training() {
        return MEMO.computeIfAbsent("training", k -> {
            String core = of(locationOf(CodeFingerprint.class), TRAINING_PACKAGES, List.of());
            String spi = of(locationOf(org.purifybench.spi.Model.class), List.of(""), EVALUATION_ONLY_SPI);
            return Hashing.sha256((core + spi).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        });
    }

    /** Fingerprint of every class in the jar or folder {@code pluginClass} was loaded from. */
    public static String ofPlugin(Class<?> pluginClass) {
        Path location = locationOf(pluginClass);
        return MEMO.computeIfAbsent("plugin:" + location, k -> of(location, List.of(""), List.of()).substring(0, 16));
    }

    /** Hash of the classes under {@code location} whose names start with one of {@code include} and none of {@code exclude}. */
    static String of(Path location, List<String> include, List<String> exclude) {
        if (location == null) {
            return "unknown";
        }
        TreeMap<String, byte[]> classes = new TreeMap<>();
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                        String name = location.relativize(f).toString().replace('\\', '/');
                        if (matches(name, include) && !matches(name, exclude)) {
                            classes.put(name, Files.readAllBytes(f));
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry e = entries.nextElement();
                        if (e.getName().endsWith(".class") && matches(e.getName(), include) && !matches(e.getName(), exclude)) {
                            try (InputStream in = jar.getInputStream(e)) {
                                classes.put(e.getName(), in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + location, e);
        }
        MessageDigest md = digest();
        classes.forEach((name, bytes) -> {
            md.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(Hashing.sha256(bytes).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        return HexFormat.of().formatHex(md.digest());
    }

    private static boolean matches(String name, List<String> prefixes) {
        return prefixes.stream().anyMatch(name::startsWith);
    }

    /** The jar or class folder {@code c} was loaded from, or null when the class loader does not say. */
    public static Path locationOf(Class<?> c) {
        var cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(cs.getLocation().toURI());
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
