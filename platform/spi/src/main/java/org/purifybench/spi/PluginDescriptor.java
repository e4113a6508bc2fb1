package org.purifybench.spi;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Identity, declared needs, role and parameters of a plug-in.
 *
 * @param id          stable lower-case id used in matrix specs ({@code [a-z0-9][a-z0-9-]*})
 * @param version     the plug-in's own version
 * @param description one line for {@code purifybench list}
 * @param paper       reference (URL or citation) of the method implemented
 * @param needs       everything the plug-in wants from its context
 * @param spiVersion  the SPI version it was compiled against
 * @param role        defenses: what its model means ({@link Role#PURIFIER} for attacks and evaluators)
 * @param metrics     evaluators: the metric names its results publish
 * @param needsRoles  evaluators: roles whose models it asks for
 * @param params      its declared parameters, in declaration order
 */
public record PluginDescriptor(Kind kind, String id, String version, String description, String paper,
                               Set<Need> needs, int spiVersion, Role role, List<String> metrics, Set<Role> needsRoles,
                               List<ParamSpec> params) {
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public PluginDescriptor {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("plug-in id '" + id + "' must match " + ID.pattern());
        }
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(description, "description");
        paper = paper == null ? "" : paper;
        needs = Set.copyOf(needs);
        role = role == null ? Role.PURIFIER : role;
        metrics = List.copyOf(metrics == null ? List.of() : metrics);
        needsRoles = Set.copyOf(needsRoles == null ? Set.of() : needsRoles);
        params = List.copyOf(params == null ? List.of() : params);
        Set<String> names = new HashSet<>();
        for (ParamSpec p : params) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("plug-in '" + id + "' declares parameter '" + p.name() + "' twice");
            }
        }
    }

    /** A descriptor without role, metrics or parameters (the SPI 1 form). */
    public PluginDescriptor(Kind kind, String id, String version, String description, String paper, Set<Need> needs, int spiVersion) {
        this(kind, id, version, description, paper, needs, spiVersion, Role.PURIFIER, List.of(), Set.of(), List.of());
    }

    public static PluginDescriptor of(Kind kind, String id, String version, String description, String paper,
                                      Need... needs) {
        return new PluginDescriptor(kind, id, version, description, paper, Set.of(needs), SpiVersion.CURRENT);
    }

    /** The descriptor a class declares with {@link PurifyBenchPlugin}; fails naming the class when it has none. */
    public static PluginDescriptor of(Class<?> pluginClass) {
        PurifyBenchPlugin a = pluginClass.getAnnotation(PurifyBenchPlugin.class);
        if (a == null) {
            throw new IllegalStateException(pluginClass.getName() + " has no @PurifyBenchPlugin annotation: annotate the class"
                    + " (or override descriptor())");
        }
        return new PluginDescriptor(a.kind(), a.id(), a.version(), a.description(), a.paper(), Set.of(a.needs()),
                SpiVersion.CURRENT, a.role(), List.of(a.metrics()), Set.of(a.needsRoles()),
                Arrays.stream(a.params()).map(ParamSpec::of).toList());
    }

    public boolean needs(Need need) {
        return needs.contains(need);
    }

    public Optional<ParamSpec> param(String name) {
        return params.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
