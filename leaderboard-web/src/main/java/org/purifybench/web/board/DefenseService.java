package org.purifybench.web.board;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.CurveRepository;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RunRecord;

/** The defense page: per-attack numbers, LMC curves and provenance within one track. */
@Singleton
public class DefenseService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LeaderboardService board;
    private final BoardData data;
    private final CellRepository cells;
    private final CurveRepository curves;
    private final PluginRepository plugins;
    private final PageCache cache;

    public DefenseService(LeaderboardService board, BoardData data, CellRepository cells, CurveRepository curves,
                          PluginRepository plugins, PageCache cache) {
        this.cache = cache;
        this.board = board;
        this.data = data;
        this.cells = cells;
        this.curves = curves;
        this.plugins = plugins;
    }

    /**
     * Empty when the defense has no published result in the track. {@code setting} (a parameter
     * fingerprint) narrows the page to one entry; null = the official setting when an admin marked
     * one, else every setting together (the page lists them, and the leaderboard links each).
     */
    public Optional<DefenseDetail> detail(Track track, String defense, @Nullable String profile, @Nullable String setting) {
        return cache.get(List.of("defense", track, defense, String.valueOf(profile), String.valueOf(setting)),
                () -> compute(track, defense, profile, setting));
    }

    private Optional<DefenseDetail> compute(Track track, String defense, @Nullable String profile, @Nullable String setting) {
        BoardData.Measurements everySetting = data.defense(track, profile, defense);
        if (everySetting.measured().isEmpty()) {
            return Optional.empty();
        }
        String official = data.officialSettings().get(defense);
        List<DefenseDetail.SettingView> settings = everySetting.runsByEntry().entrySet().stream()
                .map(e -> new DefenseDetail.SettingView(e.getKey().setting(), everySetting.paramsByEntry().get(e.getKey()),
                        e.getKey().setting().equals(official), e.getValue()))
                .toList();
        String shown = setting != null ? setting : official != null && settings.stream().anyMatch(v -> v.official()) ? official : null;
        if (shown != null && settings.stream().noneMatch(v -> v.fingerprint().equals(shown))) {
            throw new BadQueryException("defense '" + defense + "' has no setting '" + shown + "' in track " + track.label()
                    + " - settings here: " + String.join(", ", settings.stream().map(DefenseDetail.SettingView::fingerprint).toList()));
        }
        BoardData.Measurements measurements = shown == null ? everySetting : everySetting.only(shown);
        List<BoardData.Measured> means = measurements.measured();
        List<AttackRow> attackRows = new ArrayList<>();
        Map<String, List<BoardData.Measured>> byAttack = new TreeMap<>();
        means.forEach(m -> byAttack.computeIfAbsent(m.attack(), a -> new ArrayList<>()).add(m));
        for (var e : byAttack.entrySet()) {
            Map<String, Estimate> values = new TreeMap<>();
            for (DetailColumn c : Stream.concat(DetailColumn.RESULTS.stream(), DetailColumn.QRA.stream()).toList()) {
                // One value per seed: settings shown together are averaged per seed first.
                Map<Long, List<Double>> bySeed = new TreeMap<>();
                e.getValue().stream()
                        .filter(m -> m.evaluator().equals(c.evaluator()) && m.metric().equals(c.metric()) && m.mean() != null)
                        .forEach(m -> bySeed.computeIfAbsent(m.seed(), k -> new ArrayList<>()).add(m.mean()));
                Estimate est = Estimate.of(bySeed.values().stream()
                        .map(v -> v.stream().mapToDouble(Double::doubleValue).average().orElseThrow()).toList());
                if (est != null) {
                    values.put(c.key(), est);
                }
            }
            List<Long> seeds = e.getValue().stream().map(BoardData.Measured::seed).distinct().sorted().toList();
            attackRows.add(new AttackRow(e.getKey(), seeds, values));
        }
        boolean hasQra = means.stream().anyMatch(m -> m.evaluator().equals("qra"));
        java.util.Set<String> runIds = new java.util.HashSet<>();
        measurements.runsByEntry().values().forEach(runIds::addAll);
        List<String> lmcNames = curves.publishedCurves(track.dataset(), track.model(), track.poisonRate(), defense, "lmc")
                .stream().map(CurveRecord::name).distinct().toList();
        boolean hasLmc = lmcNames.stream().anyMatch(n -> !isOraclePath(n));
        boolean hasEpPath = lmcNames.stream().anyMatch(DefenseService::isOraclePath);
        Leaderboard lb = board.leaderboard(track, List.of(), profile, "rank", "asc");
        Standing standing = shown == null && settings.size() > 1 ? null : lb.standings().stream()
                .filter(s -> s.defense().equals(defense) && (shown == null || s.setting().equals(shown))).findFirst().orElse(null);
        Standing.Role role = board.role(board.roles(), defense);
        List<Provenance> provenance = provenance(track, defense, profile, runIds);
        PluginRecord plugin = plugins.publishedDefense(LeaderboardService.pluginId(defense)).stream()
                .filter(p -> p.description() != null).reduce((a, b) -> b).orElse(null);
        return Optional.of(new DefenseDetail(track, profile, defense, shown, settings, role, standing,
                plugin == null ? null : plugin.description(), plugin == null ? null : plugin.paper(),
                provenance.stream().map(Provenance::pluginVersion).distinct().sorted().toList(),
                DetailColumn.RESULTS, DetailColumn.QRA, attackRows, hasQra, hasLmc, hasEpPath, provenance));
    }

    private List<Provenance> provenance(Track track, String defense, @Nullable String profile, java.util.Set<String> runIds) {
        Map<Long, TreeSet<Long>> seedsByRun = new TreeMap<>();
        for (CellRecord c : cells.publishedCells(track.dataset(), track.model(), track.poisonRate())) {
            seedsByRun.computeIfAbsent(c.runPk(), k -> new TreeSet<>()).add(c.seed());
        }
        // Two queries for all runs, not two per run.
        Map<Long, PluginRecord> pluginByRun = new TreeMap<>();
        plugins.publishedDefense(LeaderboardService.pluginId(defense)).forEach(p -> pluginByRun.putIfAbsent(p.runPk(), p));
        Map<Long, RunRecord> runById = data.publishedRuns();
        List<Provenance> out = new ArrayList<>();
        for (var e : seedsByRun.entrySet()) {
            Optional<PluginRecord> plugin = Optional.ofNullable(pluginByRun.get(e.getKey()));
            Optional<RunRecord> run = Optional.ofNullable(runById.get(e.getKey()));
            if (plugin.isEmpty() || run.isEmpty() || !runIds.contains(run.get().runId())) {
                continue;
            }
            RunRecord r = run.get();
            if (profile != null && !profile.equals(r.profile())) {
                continue;
            }
            PluginRecord p = plugin.get();
            out.add(new Provenance(r.runId(), r.createdAt(), r.profile(), r.configHash(), r.codeVersion(),
                    List.copyOf(e.getValue()), p.version(), p.source(), p.sha256(), r.cpu(), r.cores(), r.device(),
                    r.engine(), r.nd4jBackend(), r.wallTimeSeconds(), strings(r.approximationsJson())));
        }
        return out;
    }

    /**
     * Mean LMC curves per attack and curve name (e.g. badnet / backdoor-error), over the seeds and
     * runs of the track that share the same t grid.
     */
    public Map<String, double[][]> lmcCurves(Track track, String defense, @Nullable String profile, @Nullable String setting) {
        java.util.Set<Long> profileRuns = data.publishedRuns().values().stream()
                .filter(r -> profile == null || profile.equals(r.profile()))
                .filter(r -> setting == null || DefenseSettings.lookup(DefenseSettings.of(r.configJson()), defense).fingerprint()
                        .equals(setting))
                .map(RunRecord::id).collect(java.util.stream.Collectors.toSet());
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

    /** The lmc evaluator's own path curves; any other name is one of them prefixed with the oracle's id. */
    private static final Set<String> BACKDOORED_PATH_CURVES = Set.of("backdoor-error", "clean-error");

    /** Whether an lmc curve walks from the purified model to the oracle's, whatever the oracle's id. */
    public static boolean isOraclePath(String curveName) {
        return !BACKDOORED_PATH_CURVES.contains(curveName);
    }
}
