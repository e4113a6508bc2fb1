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
