package org.purifybench.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A plug-in's parameters from the matrix spec, with typed getters and defaults. */
public final class Params {
    private final Map<String, Object> values;

    public Params(Map<String, ?> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values == null ? Map.of() : values));
    }

    public static Params empty() {
        return new Params(Map.of());
    }

    /**
     * These values with the declared defaults of {@code d} filled in where a key is absent: what a
     * plug-in gets when it runs outside the host (a unit test, the conformance kit). The host binds and
     * checks a matrix's values itself before a plug-in sees them.
     */
    public Params withDefaults(PluginDescriptor d) {
        Map<String, Object> m = new LinkedHashMap<>();
        d.params().forEach(p -> m.put(p.name(), defaultOf(p)));
        m.putAll(values);
        return new Params(m);
    }

    /**
     * The declared default of {@code p} as a value: a boolean, a whole number ({@code Integer}, or
     * {@code Long} when it does not fit) for {@link ParamType#INT}, a {@code Double} for
     * {@link ParamType#NUMBER}, else (a choice word such as {@code auto}, text, a number list, or a
     * default that does not parse) the text as declared.
     */
    public static Object defaultOf(ParamSpec p) {
        String t = p.defaultValue().trim();
        if (p.choices().contains(t)) {
            return t;
        }
        try {
            return switch (p.type()) {
                case BOOLEAN -> t.equals("true") || t.equals("false") ? Boolean.valueOf(t) : p.defaultValue();
                case INT -> {
                    long l = Long.parseLong(t);
                    yield l == (int) l ? (Object) (int) l : (Object) l;
                }
                case NUMBER -> Double.parseDouble(t);
                case STRING, NUMBER_LIST -> p.defaultValue();
            };
        } catch (NumberFormatException e) {
            return p.defaultValue();
        }
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public double getDouble(String key, double fallback) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter '" + key + "' must be a number, got '" + v + "'");
        }
    }

    public int getInt(String key, int fallback) {
        double d = getDouble(key, fallback);
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException("parameter '" + key + "' must be an integer, got " + d);
        }
        return (int) d;
    }

    public String getString(String key, String fallback) {
        Object v = values.get(key);
        return v == null ? fallback : v.toString();
    }

    public boolean getBoolean(String key, boolean fallback) {
        Object v = values.get(key);
        return v == null ? fallback : Boolean.parseBoolean(v.toString());
    }

    /** A copy with {@code overrides} laid over these values. */
    public Params with(Map<String, ?> overrides) {
        Map<String, Object> m = new LinkedHashMap<>(values);
        m.putAll(overrides);
        return new Params(m);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
