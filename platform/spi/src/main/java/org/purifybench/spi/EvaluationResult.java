package org.purifybench.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named scalar metrics (fractions in [0,1] for rates) and named curves. */
public final class EvaluationResult {
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final Map<String, double[]> curves = new LinkedHashMap<>();

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

    public Map<String, Double> metrics() {
        return Collections.unmodifiableMap(metrics);
    }

    public Map<String, double[]> curves() {
        return Collections.unmodifiableMap(curves);
    }
}
