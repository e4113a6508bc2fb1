package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * A mean over seeds with its spread (sample standard deviation; null with one seed). Values are
 * fractions, shown as percentages.
 */
@Serdeable
public record Estimate(double mean, @Nullable Double spread, int seeds) {

    public static @Nullable Estimate of(List<Double> perSeed) {
        if (perSeed.isEmpty()) {
            return null;
        }
        double mean = perSeed.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        Double spread = null;
        if (perSeed.size() > 1) {
            double ss = perSeed.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            spread = Math.sqrt(ss / (perSeed.size() - 1));
        }
        return new Estimate(mean, spread, perSeed.size());
    }

    public String percent() {
        return String.format(java.util.Locale.ROOT, "%.1f", 100 * mean);
    }

    public String spreadPercent() {
        return spread == null ? "" : String.format(java.util.Locale.ROOT, "± %.1f", 100 * spread);
    }
}
