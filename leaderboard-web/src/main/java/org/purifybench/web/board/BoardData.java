package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.purifybench.web.store.OfficialSetting;
import org.purifybench.web.store.OfficialSettingRepository;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunMetric;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/**
 * A track's published measurements keyed by entry (defense x parameter setting): per (entry,
 * attack, seed, evaluator, metric), the mean over the runs that measured it (usually one). The
 * leaderboard and the defense page both read it, so both group runs the same way.
 */
@Singleton
public class BoardData {

    /** One mean; null when every run's value was undefined. */
    public record Measured(Entry entry, String attack, long seed, String evaluator, String metric, @Nullable Double mean) {
    }

    /** The measurements of the chosen profile, and every profile the track has. */
    public record Measurements(List<Measured> measured, List<String> profiles, Map<Entry, List<String>> runsByEntry,
                               Map<Entry, Map<String, Object>> paramsByEntry) {

        /** The same measurements narrowed to one setting (fingerprint), without reading the database again. */
        public Measurements only(String setting) {
            Map<Entry, List<String>> runs = new TreeMap<>(java.util.Comparator.comparing(Entry::defense).thenComparing(Entry::setting));
            runsByEntry.forEach((e, r) -> {
                if (e.setting().equals(setting)) {
                    runs.put(e, r);
                }
            });
            Map<Entry, Map<String, Object>> params = new HashMap<>();
            paramsByEntry.forEach((e, p) -> {
                if (e.setting().equals(setting)) {
                    params.put(e, p);
                }
            });
            return new Measurements(measured.stream().filter(m -> m.entry().setting().equals(setting)).toList(), profiles, runs, params);
        }
    }

    private final RowRepository rows;
    private final RunRepository runs;
    private final OfficialSettingRepository officials;

    public BoardData(RowRepository rows, RunRepository runs, OfficialSettingRepository officials) {
        this.rows = rows;
        this.runs = runs;
        this.officials = officials;
    }

    public Measurements track(Track track, @Nullable String profile, List<String> evaluators) {
        return group(rows.trackRunMetrics(track.dataset(), track.model(), track.poisonRate(), evaluators), profile);
    }

    public Measurements defense(Track track, @Nullable String profile, String defense) {
        return group(rows.defenseRunMetrics(track.dataset(), track.model(), track.poisonRate(), defense), profile);
    }

    /** Defense -> the fingerprint an admin marked official. */
    public Map<String, String> officialSettings() {
        Map<String, String> out = new TreeMap<>();
        for (OfficialSetting o : officials.findAll()) {
            out.put(o.defense(), o.fingerprint());
        }
        return out;
    }

    /** Published run records by primary key. */
    public Map<Long, RunRecord> publishedRuns() {
        Map<Long, RunRecord> out = new HashMap<>();
        runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED).forEach(r -> out.put(r.id(), r));
        return out;
    }

    private Measurements group(List<RunMetric> metrics, @Nullable String profile) {
        Map<Long, RunRecord> published = publishedRuns();
        Map<Long, Map<String, DefenseSettings.Setting>> settingsByRun = new HashMap<>();
        List<String> profiles = metrics.stream().map(m -> published.get(m.runPk())).filter(r -> r != null)
                .map(RunRecord::profile).distinct().sorted().toList();
        Map<List<Object>, double[]> sums = new LinkedHashMap<>();   // key -> {sum, defined count}
        Map<Entry, List<String>> runsByEntry = new TreeMap<>(java.util.Comparator.comparing(Entry::defense)
                .thenComparing(Entry::setting));
        Map<Entry, Map<String, Object>> paramsByEntry = new HashMap<>();
        for (RunMetric m : metrics) {
            RunRecord run = published.get(m.runPk());
            if (run == null || (profile != null && !profile.equals(run.profile()))) {
                continue;
            }
            DefenseSettings.Setting s = DefenseSettings.lookup(
                    settingsByRun.computeIfAbsent(m.runPk(), k -> DefenseSettings.of(run.configJson())), m.defense());
            Entry entry = new Entry(m.defense(), s.fingerprint());
            if (s.params() != null) {
                paramsByEntry.putIfAbsent(entry, s.params());
            }
            List<String> runIds = runsByEntry.computeIfAbsent(entry, e -> new ArrayList<>());
            if (!runIds.contains(run.runId())) {
                runIds.add(run.runId());
            }
            double[] acc = sums.computeIfAbsent(List.of(entry, m.attack(), m.seed(), m.evaluator(), m.metric()), k -> new double[2]);
            if (m.meanValue() != null) {
                acc[0] += m.meanValue();
                acc[1]++;
            }
        }
        List<Measured> out = new ArrayList<>();
        sums.forEach((k, acc) -> out.add(new Measured((Entry) k.get(0), (String) k.get(1), (Long) k.get(2), (String) k.get(3),
                (String) k.get(4), acc[1] == 0 ? null : acc[0] / acc[1])));
        return new Measurements(out, profiles, runsByEntry, paramsByEntry);
    }
}
