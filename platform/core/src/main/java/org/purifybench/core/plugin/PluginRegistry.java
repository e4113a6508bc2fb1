package org.purifybench.core.plugin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.purifybench.core.UserException;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/**
 * Finds attacks, defenses and evaluators through {@link ServiceLoader}. Built-in plug-ins are
 * found exactly like third-party ones (their jars' META-INF/services), with no special case.
 */
public final class PluginRegistry {
    private final Map<String, Attack> attacks = new TreeMap<>();
    private final Map<String, Defense> defenses = new TreeMap<>();
    private final Map<String, Evaluator> evaluators = new TreeMap<>();
    /** Jar (or class folder) each plug-in was loaded from, by kind/id; null when unknown. */
    private final Map<String, java.nio.file.Path> locations = new TreeMap<>();

    /** Plug-ins visible to {@code loader}. */
    public static PluginRegistry load(ClassLoader loader) {
        PluginRegistry r = new PluginRegistry();
        r.addAll(Attack.class, Kind.ATTACK, loader, r.attacks);
        r.addAll(Defense.class, Kind.DEFENSE, loader, r.defenses);
        r.addAll(Evaluator.class, Kind.EVALUATOR, loader, r.evaluators);
        return r;
    }

    public static PluginRegistry fromClasspath() {
        return load(PluginRegistry.class.getClassLoader());
    }

    private <T extends Plugin> void addAll(Class<T> type, Kind kind, ClassLoader loader, Map<String, T> into) {
        try {
            for (T plugin : ServiceLoader.load(type, loader)) {
                add(kind, plugin, into);
            }
        } catch (ServiceConfigurationError e) {
            throw new UserException("a " + kind.name().toLowerCase() + " plug-in could not be loaded: " + e.getMessage(),
                    "check the jar's META-INF/services entry names a public class with a public no-argument constructor");
        }
    }

    private <T extends Plugin> void add(Kind kind, T plugin, Map<String, T> into) {
        PluginDescriptor d = plugin.descriptor();
        java.nio.file.Path location = org.purifybench.core.run.CodeFingerprint.locationOf(plugin.getClass());
        String source = name(location);
        if (d.kind() != kind) {
            throw new UserException(plugin.getClass().getName() + " is registered as " + kind + " but declares " + d.kind(),
                    "make its descriptor's kind match the services file it is listed in");
        }
        if (d.spiVersion() != SpiVersion.CURRENT) {
            throw new UserException("plug-in '" + d.id() + "' (" + source + ") was built for SPI " + d.spiVersion()
                    + ", this host speaks SPI " + SpiVersion.CURRENT, "rebuild the plug-in against purifybench-spi of this release");
        }
        T previous = into.putIfAbsent(d.id(), plugin);
        if (previous != null) {
            throw new UserException("two " + kind.name().toLowerCase() + " plug-ins share the id '" + d.id() + "': "
                    + name(org.purifybench.core.run.CodeFingerprint.locationOf(previous.getClass())) + " and " + source, "remove one of the jars or rename one plug-in");
        }
        locations.put(kind + "/" + d.id(), location);
    }

    private static String name(java.nio.file.Path location) {
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

    private static <T> T find(Map<String, T> map, String id, String what) {
        T p = map.get(id);
        if (p == null) {
            throw new UserException("unknown " + what + " '" + id + "'",
                    "known " + what + "s: " + String.join(", ", map.keySet()) + " (see: purifybench list)");
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
        return name(locations.get(d.kind() + "/" + d.id()));
    }

    /** The jar a plug-in was loaded from, when it came from a jar (for its SHA-256). */
    public java.util.Optional<java.nio.file.Path> jar(PluginDescriptor d) {
        java.nio.file.Path p = locations.get(d.kind() + "/" + d.id());
        return p != null && p.toString().endsWith(".jar") ? java.util.Optional.of(p) : java.util.Optional.empty();
    }
}
