package org.purifybench.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named scalar metrics (fractions in [0,1] for rates) and named curves. */
public final class EvaluationResult {
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final Map<String, double[]> curves = new LinkedHashMap<>();
    private final Map<String, double[]> curveX = new LinkedHashMap<>();

    public EvaluationResult metric(String name, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("metric " + name + " is not finite: " + value);
        }
        metrics.put(name, value);
        return this;
    }

    public EvaluationResult curve(String name, double[] values) {
        curves.put(name, values.clone());
        return this;
    }

    /** A curve with its x values (e.g. the interpolation coefficient t of an LMC path). */
    public EvaluationResult curve(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("curve " + name + ": " + x.length + " x values for " + y.length + " y values");
        }
        curveX.put(name, x.clone());
        return curve(name, y);
    }

    /** The x values of a curve, or null when it has none. */
    public double[] curveX(String name) {
        double[] x = curveX.get(name);
        return x == null ? null : x.clone();
    }

    public Map<String, Double> metrics() {
        return Collections.unmodifiableMap(metrics);
    }

    public Map<String, double[]> curves() {
        return Collections.unmodifiableMap(curves);
    }
}
