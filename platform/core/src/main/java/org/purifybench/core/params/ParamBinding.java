package org.purifybench.core.params;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.purifybench.core.UserException;
import org.purifybench.core.plugin.JarDefense;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PurifyBenchPlugin;

/**
 * Binds a matrix's {@code params} of one plug-in to the parameters it declares ({@link ParamSpec}):
 * unknown keys, values of the wrong type, out of range or not among the choices, and per-attack maps
 * naming attacks the matrix does not run are refused naming the plug-in, the key and the fix; the
 * declared defaults fill in what the matrix leaves out. The result is what the plug-in receives (one
 * attack's view, {@link Bound#forAttack}) and what the results record ({@link Bound#resolved}).
 *
 * <p>Values keep the form the matrix gave them in (a whole number stays an integer, a quoted number a
 * string): plug-ins read them through {@link Params}' getters, which parse either form to the same number,
 * so binding changes no arithmetic. Only a number list given as a YAML list becomes the comma-separated
 * text plug-ins parse.
 */
public final class ParamBinding {
    private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

    private ParamBinding() {
    }

    /**
     * A plug-in's bound parameters.
     *
     * @param descriptor the plug-in's descriptor
     * @param resolved   every declared parameter (defaults filled in), in declaration order; a per-attack value
     *                   given as a map is a map over every attack of the matrix; for a plug-in that declares no
     *                   parameters (an SPI 1 plug-in), the given values unchanged
     * @param declared   false for a plug-in whose parameters pass unchecked (it predates {@link PurifyBenchPlugin})
     */
    public record Bound(PluginDescriptor descriptor, Map<String, Object> resolved, boolean declared) {
        public Bound {
            resolved = Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
        }

        /** The parameters as the plug-in sees them in a cell of {@code attackId}: per-attack values resolved to that attack's. */
        public Params forAttack(String attackId) {
            return new Params(forAttackMap(attackId));
        }

        /** {@link #forAttack} as a sorted map: part of cache keys. */
        public Map<String, Object> forAttackMap(String attackId) {
            Map<String, Object> out = new TreeMap<>();
            resolved.forEach((name, value) -> {
                if (value instanceof Map<?, ?> perAttack) {
                    Object v = perAttack.get(attackId);
                    if (v != null) {
                        out.put(name, v);
                    } else if (declared) {
                        out.put(name, defaultValue(descriptor, descriptor.param(name).orElseThrow()));
                    } // an undeclared plug-in's map without this attack: the plug-in's own fallback, as for an absent key
                } else {
                    out.put(name, value);
                }
            });
            return out;
        }
    }

    /**
     * Whether {@code plugin} declares its parameters, so that any other key is an error. A class annotated
     * with {@link PurifyBenchPlugin} does (an empty list means it takes none), and so does a descriptor with
     * parameters. An SPI 1 plug-in (its own {@code descriptor()}, no annotation; or a jar's descriptor file
     * without parameters) has no way to declare them: its parameters pass unchecked, as before.
     */
    public static boolean declares(Plugin plugin) {
        return !plugin.descriptor().params().isEmpty() || plugin.getClass().isAnnotationPresent(PurifyBenchPlugin.class)
                || plugin instanceof JarDefense jar && jar.declared().paramsDeclared();
    }

    /** {@link #bind(PluginDescriptor, Map, List, boolean)} for a plug-in whose parameters are declared. */
    public static Bound bind(PluginDescriptor d, Map<String, ?> given, List<String> attackIds) {
        return bind(d, given, attackIds, true);
    }

    /**
     * Binds {@code given} (the matrix's {@code params}, null for none) to {@code d}'s declared parameters.
     *
     * @param attackIds the matrix's attacks: the keys a per-attack map may use
     * @param declared  false: pass {@code given} through unchecked ({@link #declares})
     * @throws UserException naming the plug-in, the key and the fix
     */
    public static Bound bind(PluginDescriptor d, Map<String, ?> given, List<String> attackIds, boolean declared) {
        Map<String, ?> values = given == null ? Map.of() : given;
        if (!declared) {
            return new Bound(d, new TreeMap<>(values), false);
        }
        String who = who(d);
        if (d.params().isEmpty() && !values.isEmpty()) {
            throw new UserException(who + ": takes no parameters, but the matrix gives " + String.join(", ", new TreeMap<>(values).keySet()),
                    "leave them out, or (as its author) declare them with @Param in its @PurifyBenchPlugin");
        }
        for (String key : new TreeMap<>(values).keySet()) {
            if (d.param(key).isEmpty()) {
                List<String> accepted = d.params().stream().map(ParamSpec::name).toList();
                String near = nearest(key, accepted).map(n -> "did you mean '" + n + "'? ").orElse("");
                throw new UserException(who + ": unknown parameter '" + key + "' (" + near + "accepted: " + String.join(", ", accepted) + ")",
                        "fix the key; purifybench list --params " + d.id() + " describes each");
            }
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (ParamSpec p : d.params()) {
            Object value = values.get(p.name());
            if (value == null) {
                resolved.put(p.name(), defaultValue(d, p));
            } else if (value instanceof Map<?, ?> map) {
                if (!p.perAttack()) {
                    throw new UserException(who + ": parameter '" + p.name() + "' takes a single value, not a map " + value,
                            "give " + typeName(p) + " (it is not set per attack)");
                }
                resolved.put(p.name(), perAttack(d, p, map, attackIds));
            } else {
                resolved.put(p.name(), check(who, p, value, ""));
            }
        }
        return new Bound(d, resolved, true);
    }

    /** Every attack of the matrix mapped to its value: the given one or the default. */
    private static Map<String, Object> perAttack(PluginDescriptor d, ParamSpec p, Map<?, ?> map, List<String> attackIds) {
        for (Object attack : map.keySet()) {
            if (!attackIds.contains(String.valueOf(attack))) {
                String near = nearest(String.valueOf(attack), attackIds).map(n -> "did you mean '" + n + "'? ").orElse("");
                throw new UserException(who(d) + ": parameter '" + p.name() + "' gives a value for attack '" + attack
                        + "', which this matrix does not run (" + near + "its attacks: " + String.join(", ", attackIds) + ")",
                        "key the map by the matrix's attack ids, or give one value for every attack");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String attack : attackIds) {
            Object v = map.get(attack);
            out.put(attack, v == null ? defaultValue(d, p) : check(who(d), p, v, " for attack '" + attack + "'"));
        }
        return out;
    }

    private static String who(PluginDescriptor d) {
        return d.kind().name().toLowerCase(Locale.ROOT) + " " + d.id();
    }

    /** The declared default as a value ({@link Params#defaultOf}), checked: a bad default is the plug-in's bug, named as such. */
    public static Object defaultValue(PluginDescriptor d, ParamSpec p) {
        Object v = Params.defaultOf(p);
        try {
            check(who(d), p, v, " (its declared default)");
        } catch (UserException e) {
            throw new UserException(e.problem(), "the plug-in's @Param declares a default its own type or range refuses: its author must fix it");
        }
        return v;
    }

    /** {@code value} if it is a valid value of {@code p} (a number list in its text form), else a {@link UserException}. */
    static Object check(String who, ParamSpec p, Object value, String context) {
        String what = who + ": parameter '" + p.name() + "'" + context;
        if (!(value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof List<?>)) {
            throw new UserException(what + " must be " + typeName(p) + ", got " + value, fixFor(who, p));
        }
        if (value instanceof List<?> list && p.type() != ParamType.NUMBER_LIST) {
            throw new UserException(what + " must be " + typeName(p) + ", got the list " + list, fixFor(who, p));
        }
        switch (p.type()) {
            case BOOLEAN -> {
                if (!(value instanceof Boolean) && !value.equals("true") && !value.equals("false")) {
                    throw new UserException(what + " must be true or false, got '" + value + "'", fixFor(who, p));
                }
                return value;
            }
            case STRING -> {
                if (!p.choices().isEmpty() && !p.choices().contains(value.toString())) {
                    String near = nearest(value.toString(), p.choices()).map(n -> " (did you mean '" + n + "'?)").orElse("");
                    throw new UserException(what + " must be one of " + String.join(", ", p.choices()) + ", got '" + value + "'" + near,
                            fixFor(who, p));
                }
                return value;
            }
            case INT, NUMBER -> {
                if (value instanceof String s && p.choices().contains(s)) {
                    return value;
                }
                double v = toDouble(what, p, value, who);
                if (p.type() == ParamType.INT) {
                    if (v != Math.rint(v) || Math.abs(v) > Long.MAX_VALUE / 2.0) {
                        throw new UserException(what + " must be a whole number, got " + value, fixFor(who, p));
                    }
                    inRange(what, p, v, who);
                    if (value instanceof String) {
                        return value;
                    }
                    long l = (long) v;
                    return l == (int) l ? (Object) (int) l : (Object) l;
                }
                inRange(what, p, v, who);
                return value;
            }
            case NUMBER_LIST -> {
                if (value instanceof String s && s.isBlank()) {
                    return value; // no numbers: the plug-in's own choice, as an empty default declares
                }
                List<?> items = value instanceof List<?> list ? list : List.of(value.toString().split(",", -1));
                List<String> texts = new ArrayList<>();
                for (Object item : items) {
                    Object one = item instanceof String s ? s.trim() : item;
                    if (one instanceof String s && p.choices().contains(s)) {
                        texts.add(s);
                        continue;
                    }
                    inRange(what, p, toDouble(what, p, one, who), who);
                    texts.add(one.toString());
                }
                return value instanceof List<?> ? String.join(",", texts) : value.toString();
            }
            default -> throw new IllegalStateException(p.type().toString());
        }
    }

    private static double toDouble(String what, ParamSpec p, Object value, String who) {
        double v;
        if (value instanceof Number n) {
            v = n.doubleValue();
        } else {
            try {
                v = Double.parseDouble(value.toString().trim());
            } catch (NumberFormatException e) {
                throw new UserException(what + " must be " + typeName(p) + ", got '" + value + "'", fixFor(who, p));
            }
        }
        if (!Double.isFinite(v)) {
            throw new UserException(what + " must be a finite number, got " + value, fixFor(who, p));
        }
        return v;
    }

    private static void inRange(String what, ParamSpec p, double v, String who) {
        if (v < p.min() || v > p.max()) {
            throw new UserException(what + " is " + format(v) + ", outside its range " + range(p), fixFor(who, p));
        }
    }

    private static String fixFor(String who, ParamSpec p) {
        return "give " + typeName(p) + (p.min() > Double.NEGATIVE_INFINITY || p.max() < Double.POSITIVE_INFINITY ? " in " + range(p) : "")
                + " (default " + p.defaultValue() + "); purifybench list --params " + who.substring(who.indexOf(' ') + 1) + " describes it";
    }

    /** {@code [0, 1]}, {@code >= 1}, {@code <= 5}, or empty when unbounded. */
    public static String range(ParamSpec p) {
        boolean lo = p.min() > Double.NEGATIVE_INFINITY;
        boolean hi = p.max() < Double.POSITIVE_INFINITY;
        if (lo && hi) {
            return "[" + format(p.min()) + ", " + format(p.max()) + "]";
        }
        return lo ? ">= " + format(p.min()) : hi ? "<= " + format(p.max()) : "";
    }

    /** What a value of {@code p} is, in words: "a whole number or 'auto'". */
    public static String typeName(ParamSpec p) {
        String base = switch (p.type()) {
            case BOOLEAN -> "true or false";
            case INT -> "a whole number";
            case NUMBER -> "a number";
            case STRING -> p.choices().isEmpty() ? "a text" : "one of " + String.join(", ", p.choices());
            case NUMBER_LIST -> "comma-separated numbers";
        };
        if (p.type() != ParamType.STRING && !p.choices().isEmpty()) {
            base += " or " + String.join(" or ", p.choices().stream().map(c -> "'" + c + "'").toList());
        }
        return base;
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** The candidate closest to {@code key} in edit distance, if it is close enough to be a typo of it. */
    public static Optional<String> nearest(String key, Collection<String> candidates) {
        int limit = Math.max(2, key.length() / 3);
        return candidates.stream()
                .map(c -> Map.entry(c, DISTANCE.apply(key, c)))
                .filter(e -> e.getValue() <= limit)
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }
}
