package org.purifybench.web.board;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.CurveRepository;
import org.purifybench.web.store.MetricMean;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/** The defense page: per-attack numbers, LMC curves and provenance within one track. */
@Singleton
public class DefenseService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LeaderboardService board;
    private final RowRepository rows;
    private final CellRepository cells;
    private final CurveRepository curves;
    private final RunRepository runs;
    private final PluginRepository plugins;
    private final PageCache cache;

    public DefenseService(LeaderboardService board, RowRepository rows, CellRepository cells, CurveRepository curves,
                          RunRepository runs, PluginRepository plugins, PageCache cache) {
        this.cache = cache;
        this.board = board;
        this.rows = rows;
        this.cells = cells;
        this.curves = curves;
        this.runs = runs;
        this.plugins = plugins;
    }

    /** Empty when the defense has no published result in the track. */
    public Optional<DefenseDetail> detail(Track track, String defense, @Nullable String profile) {
        return cache.get(List.of("defense", track, defense, String.valueOf(profile)), () -> compute(track, defense, profile));
    }

    private Optional<DefenseDetail> compute(Track track, String defense, @Nullable String profile) {
        List<MetricMean> means = ProfileFilter.apply(
                rows.defenseMeans(track.dataset(), track.model(), track.poisonRate(), defense), profile);
        if (means.isEmpty()) {
            return Optional.empty();
        }
        List<AttackRow> attackRows = new ArrayList<>();
        Map<String, List<MetricMean>> byAttack = new TreeMap<>();
        means.forEach(m -> byAttack.computeIfAbsent(m.attack(), a -> new ArrayList<>()).add(m));
        for (var e : byAttack.entrySet()) {
            Map<String, Estimate> values = new TreeMap<>();
            for (DetailColumn c : Stream.concat(DetailColumn.RESULTS.stream(), DetailColumn.QRA.stream()).toList()) {
                List<Double> perSeed = e.getValue().stream()
                        .filter(m -> m.evaluator().equals(c.evaluator()) && m.metric().equals(c.metric()) && m.meanValue() != null)
                        .map(MetricMean::meanValue).toList();
                Estimate est = Estimate.of(perSeed);
                if (est != null) {
                    values.put(c.key(), est);
                }
            }
            List<Long> seeds = e.getValue().stream().map(MetricMean::seed).distinct().sorted().toList();
            attackRows.add(new AttackRow(e.getKey(), seeds, values));
        }
        boolean hasQra = means.stream().anyMatch(m -> m.evaluator().equals("qra"));
        List<String> lmcNames = curves.publishedCurves(track.dataset(), track.model(), track.poisonRate(), defense, "lmc")
                .stream().map(CurveRecord::name).distinct().toList();
        boolean hasLmc = lmcNames.stream().anyMatch(n -> !n.startsWith("ep-"));
        boolean hasEpPath = lmcNames.stream().anyMatch(n -> n.startsWith("ep-"));
        Leaderboard lb = board.leaderboard(track, List.of(), profile, "rank", "asc");
        Standing standing = lb.standings().stream().filter(s -> s.defense().equals(defense)).findFirst().orElse(null);
        Standing.Role role = board.roles().getOrDefault(defense, Standing.Role.DEFENSE);
        return Optional.of(new DefenseDetail(track, profile, defense, role, standing, DetailColumn.RESULTS, DetailColumn.QRA,
                attackRows, hasQra, hasLmc, hasEpPath, provenance(track, defense, profile)));
    }

    private List<Provenance> provenance(Track track, String defense, @Nullable String profile) {
        Map<Long, TreeSet<Long>> seedsByRun = new TreeMap<>();
        for (CellRecord c : cells.publishedCells(track.dataset(), track.model(), track.poisonRate())) {
            seedsByRun.computeIfAbsent(c.runPk(), k -> new TreeSet<>()).add(c.seed());
        }
        // Two queries for all runs, not two per run.
        Map<Long, PluginRecord> pluginByRun = new TreeMap<>();
        plugins.publishedDefense(defense).forEach(p -> pluginByRun.putIfAbsent(p.runPk(), p));
        Map<Long, RunRecord> runById = new TreeMap<>();
        runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED).forEach(r -> runById.put(r.id(), r));
        List<Provenance> out = new ArrayList<>();
        for (var e : seedsByRun.entrySet()) {
            Optional<PluginRecord> plugin = Optional.ofNullable(pluginByRun.get(e.getKey()));
            Optional<RunRecord> run = Optional.ofNullable(runById.get(e.getKey()));
            if (plugin.isEmpty() || run.isEmpty()) {
                continue;
            }
            RunRecord r = run.get();
            if (profile != null && !profile.equals(r.profile())) {
                continue;
            }
            PluginRecord p = plugin.get();
            out.add(new Provenance(r.runId(), r.createdAt(), r.profile(), r.configHash(), r.codeVersion(),
                    List.copyOf(e.getValue()), p.version(), p.source(), p.sha256(), r.cpu(), r.cores(), r.device(),
                    r.nd4jBackend(), r.wallTimeSeconds(), strings(r.approximationsJson())));
        }
        return out;
    }

    /**
     * Mean LMC curves per attack and curve name (e.g. badnet / backdoor-error), over the seeds and
     * runs of the track that share the same t grid.
     */
    public Map<String, double[][]> lmcCurves(Track track, String defense, @Nullable String profile) {
        java.util.Set<Long> profileRuns = runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED).stream()
                .filter(r -> profile == null || profile.equals(r.profile())).map(RunRecord::id)
                .collect(java.util.stream.Collectors.toSet());
        Map<String, String> attackOfCell = new TreeMap<>();
        for (CellRecord c : cells.publishedCells(track.dataset(), track.model(), track.poisonRate())) {
            attackOfCell.put(c.runPk() + "/" + c.cellId(), c.attack());
        }
        Map<String, List<double[][]>> grouped = new TreeMap<>();
        for (CurveRecord k : curves.publishedCurves(track.dataset(), track.model(), track.poisonRate(), defense, "lmc")) {
            if (!profileRuns.contains(k.runPk())) {
                continue;
            }
            String attack = attackOfCell.getOrDefault(k.runPk() + "/" + k.cellId(), "?");
            grouped.computeIfAbsent(attack + " " + k.name(), n -> new ArrayList<>())
                    .add(new double[][] {doubles(k.xJson()), doubles(k.yJson())});
        }
        Map<String, double[][]> mean = new TreeMap<>();
        grouped.forEach((name, list) -> {
            double[] x = list.get(0)[0];
            List<double[][]> same = list.stream().filter(c -> java.util.Arrays.equals(c[0], x)).toList();
            double[] y = new double[x.length];
            for (double[][] c : same) {
                for (int i = 0; i < y.length; i++) {
                    y[i] += c[1][i] / same.size();
                }
            }
            mean.put(name, new double[][] {x, y});
        });
        return mean;
    }

    private static double[] doubles(String json) {
        try {
            // Null entries (undefined values) become NaN, which the chart leaves out.
            List<Double> values = JSON.readValue(json, new TypeReference<List<Double>>() { });
            return values.stream().mapToDouble(v -> v == null ? Double.NaN : v).toArray();
        } catch (Exception e) {
            throw new IllegalStateException("stored curve is not a JSON array of numbers: " + e.getMessage(), e);
        }
    }

    static List<String> strings(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("stored approximations are not a JSON array of strings: " + e.getMessage(), e);
        }
    }
}
