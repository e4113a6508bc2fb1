package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.purifybench.web.store.MetricMean;

/**
 * Keeps one run profile's means, or merges all profiles' means of the same (defense, attack,
 * seed, evaluator, metric) weighted by how many runs measured each.
 */
final class ProfileFilter {
    private ProfileFilter() {
    }

    static List<MetricMean> apply(List<MetricMean> means, @Nullable String profile) {
        if (profile != null) {
            return means.stream().filter(m -> m.profile().equals(profile)).toList();
        }
        Map<List<Object>, List<MetricMean>> groups = new LinkedHashMap<>();
        for (MetricMean m : means) {
            groups.computeIfAbsent(List.of(m.defense(), m.attack(), m.seed(), m.evaluator(), m.metric()), k -> new ArrayList<>()).add(m);
        }
        List<MetricMean> merged = new ArrayList<>();
        for (List<MetricMean> g : groups.values()) {
            MetricMean first = g.get(0);
            double sum = 0;
            long n = 0;
            for (MetricMean m : g) {
                if (m.meanValue() != null) {
                    sum += m.meanValue() * m.runs();
                    n += m.runs();
                }
            }
            long runs = g.stream().mapToLong(MetricMean::runs).sum();
            merged.add(new MetricMean("*", first.defense(), first.attack(), first.seed(), first.evaluator(), first.metric(),
                    n == 0 ? null : sum / n, runs));
        }
        return merged;
    }
}
