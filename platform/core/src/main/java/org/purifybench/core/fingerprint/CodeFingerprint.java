package org.purifybench.core.fingerprint;

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
import org.purifybench.core.hash.Hashing;

/**
 * SHA-256 of the compiled classes that produce a cached model. Cache keys use it instead of the
 * git commit, so a commit that does not touch training code (a report, a new defense in another
 * jar) keeps the hours of backdoor training already done, while any change to the bytes of the
 * code that trains keeps a stale model from being reused. Results still record the git commit.
 */
public final class CodeFingerprint {
    /**
     * Core packages whose classes decide what a trained model looks like, named through one class of
     * each: moving a package moves its entry with it instead of silently dropping its classes from
     * the fingerprint (a renamed package does change the value, as it should: the class names are hashed).
     */
    private static final List<String> TRAINING_PACKAGES = Stream.of(
            org.purifybench.core.model.SdModel.class, org.purifybench.core.train.SgdTrainer.class,
            org.purifybench.core.data.Dataset.class, org.purifybench.core.host.DefaultHost.class)
            .map(CodeFingerprint::packagePath).toList();
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

    /**
     * Fingerprint of the core's training code, of the SPI (without the evaluator-only types) and of
     * the plug-in toolkit (shuffles, seeds, graph builders: plug-ins train with them, but they lie
     * outside a plug-in's jar, so {@link #ofPlugin} does not see them).
     */
    public static String training() {
        return MEMO.computeIfAbsent("training", k -> {
            String core = of(locationOf(CodeFingerprint.class), TRAINING_PACKAGES, List.of());
            String spi = of(locationOf(org.purifybench.spi.Model.class), List.of(""), EVALUATION_ONLY_SPI);
            String toolkit = of(locationOf(org.purifybench.toolkit.Seeds.class), List.of(""), List.of());
            return Hashing.sha256((core + spi + toolkit).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        });
    }

    /**
     * Fingerprint of the plug-in class and of every class of its own jar or folder it references,
     * directly or through others: a new attack added to the same jar no longer changes the key of
     * BadNet's models (hours of training), while any change to code the plug-in runs does.
     * Resources are not included.
     */
    public static String ofPlugin(Class<?> pluginClass) {
        Path location = locationOf(pluginClass);
        if (location == null) {
            return "unknown";
        }
        return MEMO.computeIfAbsent("plugin:" + location + "!" + pluginClass.getName(), k -> {
            TreeMap<String, byte[]> all = classes(location, List.of(""), List.of());
            return hash(closure(all, pluginClass.getName().replace('.', '/') + ".class")).substring(0, 16);
        });
    }

    /**
     * {@link #ofPlugin(Class)} of class {@code className} in the jar or folder {@code location}, read
     * as bytes: for a third-party jar's defense, whose class is never loaded in the harness.
     */
    public static String ofPlugin(Path location, String className) {
        return MEMO.computeIfAbsent("plugin:" + location + "!" + className, k -> {
            TreeMap<String, byte[]> all = classes(location, List.of(""), List.of());
            return hash(closure(all, className.replace('.', '/') + ".class")).substring(0, 16);
        });
    }

    /** The classes of {@code all} reachable from {@code root} through class references in constant pools. */
    static TreeMap<String, byte[]> closure(Map<String, byte[]> all, String root) {
        TreeMap<String, byte[]> reached = new TreeMap<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            byte[] bytes = all.get(name);
            if (bytes == null || reached.containsKey(name)) {
                continue;
            }
            reached.put(name, bytes);
            for (String ref : referencedClasses(bytes)) {
                todo.push(ref + ".class");
            }
        }
        return reached;
    }

    /** Internal names of the classes a class file's constant pool names (array types unwrapped). */
    private static List<String> referencedClasses(byte[] classFile) {
        org.objectweb.asm.ClassReader reader = new org.objectweb.asm.ClassReader(classFile);
        char[] buffer = new char[reader.getMaxStringLength()];
        List<String> refs = new java.util.ArrayList<>();
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            // CONSTANT_Class = 7; the tag byte precedes the item's offset.
            if (offset > 0 && reader.readByte(offset - 1) == 7) {
                String name = reader.readUTF8(offset, buffer); // the item holds the index of its name
                if (name.startsWith("[")) {
                    int l = name.indexOf('L');
                    if (l < 0) {
                        continue; // primitive array
                    }
                    name = name.substring(l + 1, name.length() - 1);
                }
                refs.add(name);
            }
        }
        return refs;
    }

    /** Hash of the classes under {@code location} whose names start with one of {@code include} and none of {@code exclude}. */
    static String of(Path location, List<String> include, List<String> exclude) {
        if (location == null) {
            return "unknown";
        }
        return hash(classes(location, include, exclude));
    }

    static TreeMap<String, byte[]> classes(Path location, List<String> include, List<String> exclude) {
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
        return classes;
    }

    static String hash(TreeMap<String, byte[]> classes) {
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

    /** The core packages {@link #training()} covers, as class-file path prefixes ("org/purifybench/core/model/"). */
    static List<String> trainingPackages() {
        return TRAINING_PACKAGES;
    }

    private static String packagePath(Class<?> c) {
        return c.getPackageName().replace('.', '/') + "/";
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
