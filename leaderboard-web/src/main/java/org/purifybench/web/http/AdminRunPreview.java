package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.purifybench.web.board.RunDetail;
import org.purifybench.web.board.RunService;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunRepository;

/**
 * What the admin sees of a run before publishing it: the run page's facts and the run's own numbers,
 * each (track, defense, attack, evaluator, metric) averaged over the run's seeds. These are the
 * run's rows alone, not the leaderboard they would join (which averages over every published run).
 */
@Singleton
public class AdminRunPreview {

    /** One line of the preview; {@code mean} is null when every seed's value is undefined. */
    public record Line(String dataset, String model, double poisonRate, String defense, String attack, String evaluator,
                       String metric, @Nullable Double mean, int seeds) {
        public String shown() {
            return mean == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", mean);
        }
    }

    public record Preview(RunDetail run, List<Line> lines) {
    }

    private final RunService runs;
    private final RunRepository runRecords;
    private final RowRepository rows;

    AdminRunPreview(RunService runs, RunRepository runRecords, RowRepository rows) {
        this.runs = runs;
        this.runRecords = runRecords;
        this.rows = rows;
    }

    Optional<Preview> of(String runId) {
        return runs.detail(runId, true).flatMap(d -> runRecords.findByRunId(runId).map(r -> new Preview(d, lines(rows.findByRunPk(r.id())))));
    }

    private static List<Line> lines(List<RowRecord> all) {
        Map<List<Object>, List<RowRecord>> groups = new TreeMap<>(Comparator.comparing(Object::toString));
        for (RowRecord r : all) {
            groups.computeIfAbsent(List.of(r.dataset(), r.model(), r.poisonRate(), r.defense(), r.attack(), r.evaluator(), r.metric()),
                    k -> new ArrayList<>()).add(r);
        }
        List<Line> lines = new ArrayList<>();
        for (List<RowRecord> g : groups.values()) {
            RowRecord f = g.get(0);
            double sum = 0;
            int defined = 0;
            for (RowRecord r : g) {
                if (r.metricValue() != null) {
                    sum += r.metricValue();
                    defined++;
                }
            }
            lines.add(new Line(f.dataset(), f.model(), f.poisonRate(), f.defense(), f.attack(), f.evaluator(), f.metric(),
                    defined == 0 ? null : sum / defined, g.size()));
        }
        return lines;
    }
}
