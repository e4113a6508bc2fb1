package org.purifybench.core.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/**
 * Finds attacks, defenses and evaluators. Built-in plug-ins (the class path: trusted code) are
 * found through {@link ServiceLoader} and checked against their jar's descriptor file.
 *
 * <p>Plug-in jars given by path ({@link #load(ClassLoader, List)}) are third-party code and are
 * only ever read as data here: admitted ({@link JarAdmission}: limits, names, descriptor, SPI
 * version, services), then each declared defense is registered as a {@link JarDefense}, a stand-in
 * whose descriptor comes from the jar's descriptor file and whose {@code purify} runs only in the
 * sandbox. No class of the jar is loaded or initialised in this JVM (the sandbox child loads it,
 * {@link SandboxedLoading}). Attacks and evaluators cannot be sandboxed, so a jar that provides one
 * is refused. A refused jar does not stop the others: it is kept in {@link #refused()} with its
 * reason, for {@code list} to show and {@code run} to refuse to start.
 */
public final class PluginRegistry {
    private final Map<String, Attack> attacks = new TreeMap<>();
    private final Map<String, Defense> defenses = new TreeMap<>();
    private final Map<String, Evaluator> evaluators = new TreeMap<>();
    /** Where each plug-in came from, by kind/id. */
    private final Map<String, Origin> origins = new TreeMap<>();
    private final List<PluginJarException> refused = new ArrayList<>();
    private final Set<Path> seenJars = new HashSet<>();

    /**
     * Where a plug-in came from.
     *
     * @param location the jar or class folder its class was loaded from (null when the class loader does not say)
     * @param jar      the plug-in jar as it was given ({@code --plugin}, {@code submissions/}); null for a built-in
     *                 plug-in found on the class path
     */
    public record Origin(Path location, Path jar) {
        public boolean builtIn() {
            return jar == null;
        }

        /** "built-in" or the jar's path, for {@code purifybench list}. */
        @Override
        public String toString() {
            return builtIn() ? "built-in" : jar.toString();
        }
    }

    /** Plug-ins visible to {@code loader}. */
    public static PluginRegistry load(ClassLoader loader) {
        return load(loader, List.of(), JarLimits.DEFAULTS);
    }

    /** Plug-ins visible to {@code loader} plus those of the plug-in {@code jars}, each admitted and isolated. */
    public static PluginRegistry load(ClassLoader loader, List<Path> jars) {
        return load(loader, jars, JarLimits.DEFAULTS);
    }

    /**
     * Plug-ins visible to {@code loader} (built-in; an error there is a build problem and throws)
     * plus those of the plug-in {@code jars}. A jar that fails admission, loading or its descriptor
     * check adds nothing and is listed in {@link #refused()}.
     */
    public static PluginRegistry load(ClassLoader loader, List<Path> jars, JarLimits limits) {
        PluginRegistry r = new PluginRegistry();
        r.addClasspath(loader);
        for (Path jar : jars) {
            try {
                r.addJar(jar, limits);
            } catch (PluginJarException e) {
                r.refused.add(e);
            }
        }
        return r;
    }

    public static PluginRegistry fromClasspath() {
        return load(PluginRegistry.class.getClassLoader());
    }

    public static PluginRegistry fromClasspath(List<Path> jars) {
        return load(PluginRegistry.class.getClassLoader(), jars);
    }

    /** The SPI interface plug-ins of {@code kind} implement (the name of their services file). */
    public static Class<? extends Plugin> serviceType(Kind kind) {
        return DescriptorFile.serviceType(kind);
    }

    // ---- built-in plug-ins (the class path) ----

    private void addClasspath(ClassLoader loader) {
        Map<Path, Optional<DescriptorFile>> descriptors = new HashMap<>();
        Map<Path, Set<String>> found = new HashMap<>();
        for (Kind kind : Kind.values()) {
            try {
                for (Plugin plugin : ServiceLoader.load(serviceType(kind), loader)) {
                    Path location = CodeFingerprint.locationOf(plugin.getClass());
                    PluginDescriptor d = checked(kind, plugin, name(location));
                    // Built-in jars carry a descriptor file too; when there is one, the plug-in must agree with it.
                    Optional<DescriptorFile> file = location == null ? Optional.empty()
                            : descriptors.computeIfAbsent(location, DescriptorFile::at);
                    if (file.isPresent()) {
                        DescriptorFile.Declared declared = file.get().forClass(plugin.getClass().getName()).orElse(null);
                        String mismatch = declared == null ? "the file does not declare this class" : declared.mismatch(d);
                        if (mismatch != null) {
                            throw new UserException(plugin.getClass().getName() + " (" + location + ") does not match its "
                                    + DescriptorFile.PATH + ": " + mismatch, "make the descriptor file and the class's descriptor() agree"
                                    + " (kind, id, version, needs)");
                        }
                        found.computeIfAbsent(location, l -> new HashSet<>()).add(plugin.getClass().getName());
                    }
                    register(kind, plugin, d, new Origin(location, null));
                }
            } catch (ServiceConfigurationError e) {
                throw new UserException("a " + kind.name().toLowerCase(Locale.ROOT) + " plug-in could not be loaded: " + e.getMessage(),
                        "check the jar's META-INF/services entry names a public class with a public no-argument constructor");
            }
        }
        descriptors.forEach((location, file) -> file.ifPresent(f -> {
            for (DescriptorFile.Declared p : f.plugins()) {
                if (!found.getOrDefault(location, Set.of()).contains(p.className())) {
                    throw new UserException(location + " declares " + p + " in " + DescriptorFile.PATH
                            + " but its META-INF/services does not provide it", "list the class in META-INF/services/"
                            + serviceType(p.kind()).getName() + " or remove it from the descriptor");
                }
            }
        }));
    }

    // ---- plug-in jars ----

    private void addJar(Path jar, JarLimits limits) {
        Path real;
        try {
            real = jar.toRealPath();
        } catch (IOException e) {
            throw new PluginJarException(jar, "there is no such file", "give the path of a plug-in jar");
        }
        if (!seenJars.add(real)) {
            return; // given twice (e.g. --plugin and submissions/): admit it, or refuse it, once
        }
        // The jar as data only: nothing of it is loaded in this JVM, now or later (JarDefense).
        JarAdmission.Admitted admitted = JarAdmission.admit(jar, limits);
        for (DescriptorFile.Declared p : admitted.descriptor().plugins()) {
            if (p.kind() != Kind.DEFENSE) {
                throw new PluginJarException(jar, "it provides " + article(p.kind()) + " (" + p + "): third-party attacks and evaluators are"
                        + " not supported, they would run outside the sandbox (only a defense's purify runs in a confined child JVM)",
                        "only defenses can be plug-in jars: remove the " + p.kind().name().toLowerCase(Locale.ROOT) + " from the jar (its class,"
                                + " services entry and " + p.prefix() + ".* lines); a new attack or evaluator belongs in the platform's own plug-ins");
            }
            Origin other = origins.get(p.kind() + "/" + p.id());
            if (other != null) {
                throw new PluginJarException(jar, "its " + p.kind().name().toLowerCase(Locale.ROOT) + " '" + p.id()
                        + "' has the id of the " + (other.builtIn() ? "built-in one" : "one in " + other.jar()),
                        "rename the plug-in (ids are unique per kind) or remove one of the jars");
            }
        }
        Origin origin = new Origin(real, jar);
        for (DescriptorFile.Declared p : admitted.descriptor().plugins()) {
            JarDefense d = new JarDefense(real, jar, p);
            register(Kind.DEFENSE, d, d.descriptor(), origin);
        }
    }

    private static String article(Kind kind) {
        return (kind == Kind.DEFENSE ? "a " : "an ") + kind.name().toLowerCase(Locale.ROOT);
    }

    /** A plug-in that failed while being loaded or constructed, with the most useful cause. */
    static PluginJarException loadFailure(Path jar, Throwable e) {
        if (e instanceof ServiceConfigurationError && String.valueOf(e.getMessage()).endsWith(" not a subtype")) {
            String[] parts = e.getMessage().split(":? ");  // "org.purifybench.spi.Attack: com.example.X not a subtype"
            return new PluginJarException(jar, "META-INF/services/" + parts[0] + " lists " + parts[1] + ", which does not implement "
                    + parts[0].substring(parts[0].lastIndexOf('.') + 1),
                    "list each class in the services file of the SPI interface it implements, and declare that kind in " + DescriptorFile.PATH, e);
        }
        SandboxedLoading.MissingClass missing = SandboxedLoading.missingClass(e);
        if (missing != null) {
            return new PluginJarException(jar, missing.reason(), missing.fix(), e);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = e.getMessage() + (root != e ? " (" + root + ")" : "");
        return new PluginJarException(jar, "its plug-in could not be loaded: " + detail,
                "check that each plug-in class is public with a public no-argument constructor that does not fail", e);
    }

    // ---- both ----

    /** The kind and SPI version checks every plug-in passes, wherever it comes from. */
    private static PluginDescriptor checked(Kind kind, Plugin plugin, String source) {
        PluginDescriptor d = plugin.descriptor();
        if (d.kind() != kind) {
            throw new UserException(plugin.getClass().getName() + " is registered as " + kind + " but declares " + d.kind(),
                    "make its descriptor's kind match the services file it is listed in");
        }
        if (d.spiVersion() != SpiVersion.CURRENT) {
            throw new UserException("plug-in '" + d.id() + "' (" + source + ") was built for SPI " + d.spiVersion()
                    + ", this host speaks SPI " + SpiVersion.CURRENT, "rebuild the plug-in against purifybench-spi of this release");
        }
        return d;
    }

    @SuppressWarnings("unchecked")
    private void register(Kind kind, Plugin plugin, PluginDescriptor d, Origin origin) {
        Map<String, Plugin> into = (Map<String, Plugin>) (Map<String, ?>) switch (kind) {
            case ATTACK -> attacks;
            case DEFENSE -> defenses;
            case EVALUATOR -> evaluators;
        };
        Plugin previous = into.putIfAbsent(d.id(), plugin);
        if (previous != null) {
            throw new UserException("two " + kind.name().toLowerCase(Locale.ROOT) + " plug-ins share the id '" + d.id() + "': "
                    + name(origins.get(kind + "/" + d.id()).location()) + " and " + name(origin.location()),
                    "remove one of the jars or rename one plug-in");
        }
        origins.put(kind + "/" + d.id(), origin);
    }

    private static String name(Path location) {
        return location == null ? "classpath" : location.getFileName().toString();
    }

    public Attack attack(String id) {
        return find(attacks, id, "attack");
    }

    public Defense defense(String id) {
        return find(defenses, id, "defense");
    }

    public Evaluator evaluator(String id) {
        return find(evaluators, id, "evaluator");
    }

    private <T> T find(Map<String, T> map, String id, String what) {
        T p = map.get(id);
        if (p == null) {
            String refusedNote = refused.isEmpty() ? "" : "; " + refused.size() + " plug-in jar(s) were refused";
            throw new UserException("unknown " + what + " '" + id + "'",
                    "known " + what + "s: " + String.join(", ", map.keySet()) + " (see: purifybench list" + refusedNote + ")");
        }
        return p;
    }

    public Collection<Attack> attacks() {
        return Collections.unmodifiableCollection(attacks.values());
    }

    public Collection<Defense> defenses() {
        return Collections.unmodifiableCollection(defenses.values());
    }

    public Collection<Evaluator> evaluators() {
        return Collections.unmodifiableCollection(evaluators.values());
    }

    public List<Plugin> all() {
        List<Plugin> all = new ArrayList<>(attacks.values());
        all.addAll(defenses.values());
        all.addAll(evaluators.values());
        return all;
    }

    /** Jar file name (or "classpath") a plug-in was loaded from. */
    public String source(PluginDescriptor d) {
        Origin o = origins.get(d.kind() + "/" + d.id());
        return name(o == null ? null : o.location());
    }

    /** Where a plug-in came from: built in, or the plug-in jar it was loaded from. */
    public Origin origin(PluginDescriptor d) {
        Origin o = origins.get(d.kind() + "/" + d.id());
        if (o == null) {
            throw new IllegalArgumentException("no plug-in " + d.kind() + "/" + d.id() + " in this registry");
        }
        return o;
    }

    /** The jar a plug-in was loaded from, when it came from a jar (for its SHA-256). */
    public Optional<Path> jar(PluginDescriptor d) {
        Origin o = origins.get(d.kind() + "/" + d.id());
        Path p = o == null ? null : o.location();
        return p != null && p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
    }

    /** The plug-in jars that were refused, in the order given, each naming the jar, the reason and the fix. */
    public List<PluginJarException> refused() {
        return Collections.unmodifiableList(refused);
    }

    /** Throws the first refusal (noting how many more there are) when a jar was refused: a run must not start then. */
    public PluginRegistry requireNoRefused() {
        if (!refused.isEmpty()) {
            PluginJarException first = refused.get(0);
            String more = refused.size() == 1 ? "" : " (and " + (refused.size() - 1) + " more refused jar(s): see purifybench list)";
            throw new UserException(first.getMessage() + more, first.fix() + "; or leave the jar out", first);
        }
        return this;
    }
}
