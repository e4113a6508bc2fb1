package org.purifybench.web.board;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.MetricMean;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.TrackKey;

/**
 * Builds a track's leaderboard from the published runs. A defense's number for a metric is the
 * mean over seeds of (the mean over the chosen attacks on that seed); only seeds on which every
 * chosen attack was measured count, so defenses are compared on the same attacks. The spread is
 * the standard deviation over those seeds.
 */
@Singleton
public class LeaderboardService {

    public static final List<String> SORTS = List.of("rank", "defense", "p-asr", "o-asr", "c-acc", "p-c-acc", "qra-p-asr");

    private final RowRepository rows;
    private final CellRepository cells;
    private final PluginRepository plugins;
    private final PageCache cache;

    public LeaderboardService(RowRepository rows, CellRepository cells, PluginRepository plugins, PageCache cache) {
        this.rows = rows;
        this.cells = cells;
        this.plugins = plugins;
        this.cache = cache;
    }

    public List<Track> tracks() {
        return cache.get(List.of("tracks"),
                () -> cells.publishedTracks().stream().map(LeaderboardService::track).toList());
    }

    private static Track track(TrackKey k) {
        return new Track(k.dataset(), k.model(), k.poisonRate());
    }

    /** Roles from the plug-in records of published runs: a defense any run marked oracle is an oracle. */
    public Map<String, Standing.Role> roles() {
        Map<String, Standing.Role> roles = new TreeMap<>();
        for (PluginRecord p : plugins.publishedDefenses()) {
            Standing.Role role = p.oracle() ? Standing.Role.ORACLE : p.reference() ? Standing.Role.REFERENCE : Standing.Role.DEFENSE;
            roles.merge(p.pluginId(), role, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return roles;
    }

    /**
     * @param attackFilter attacks to average over; empty = all attacks of the track
     * @param profile only runs of this profile (e.g. standard); null = all published runs of the track
     * @throws BadQueryException for an unknown sort, direction, attack or profile
     */
    public Leaderboard leaderboard(Track track, List<String> attackFilter, @Nullable String profile, String sort, String dir) {
        return cache.get(List.of("board", track, List.copyOf(attackFilter), String.valueOf(profile), sort, dir),
                () -> compute(track, attackFilter, profile, sort, dir));
    }

    private Leaderboard compute(Track track, List<String> attackFilter, @Nullable String profile, String sort, String dir) {
        if (!SORTS.contains(sort)) {
            throw new BadQueryException("unknown sort '" + sort + "' - use one of " + String.join(", ", SORTS));
        }
        if (!dir.equals("asc") && !dir.equals("desc")) {
            throw new BadQueryException("unknown direction '" + dir + "' - use asc or desc");
        }
        List<MetricMean> all = rows.trackMeans(track.dataset(), track.model(), track.poisonRate(), Headline.evaluators());
        List<String> profiles = all.stream().map(MetricMean::profile).distinct().sorted().toList();
        if (profile != null && !profiles.contains(profile)) {
            throw new BadQueryException("profile '" + profile + "' has no published runs in track " + track.label()
                    + " - profiles here: " + String.join(", ", profiles));
        }
        List<MetricMean> means = ProfileFilter.apply(all, profile);
        List<String> trackAttacks = means.stream().map(MetricMean::attack).distinct().sorted().toList();
        for (String a : attackFilter) {
            if (!trackAttacks.contains(a)) {
                throw new BadQueryException("attack '" + a + "' has no results in track " + track.label()
                        + " - attacks here: " + String.join(", ", trackAttacks));
            }
        }
        List<String> attacks = attackFilter.isEmpty() ? trackAttacks : attackFilter.stream().distinct().sorted().toList();
        Map<String, Standing.Role> roles = roles();

        // defense -> headline key -> seed -> attack -> value
        Map<String, Map<String, Map<Long, Map<String, Double>>>> grid = new TreeMap<>();
        Map<String, Set<String>> covered = new TreeMap<>();
        for (MetricMean m : means) {
            covered.computeIfAbsent(m.defense(), d -> new TreeSet<>()).add(m.attack());
            if (m.meanValue() == null || !attacks.contains(m.attack())) {
                continue;
            }
            for (Headline h : Headline.values()) {
                if (h.evaluator.equals(m.evaluator()) && h.metric.equals(m.metric())) {
                    grid.computeIfAbsent(m.defense(), d -> new TreeMap<>()).computeIfAbsent(h.key, k -> new TreeMap<>())
                            .computeIfAbsent(m.seed(), s -> new TreeMap<>()).put(m.attack(), m.meanValue());
                }
            }
        }
        List<Standing> standings = new ArrayList<>();
        for (String defense : covered.keySet()) {
            Map<String, Estimate> metrics = new LinkedHashMap<>();
            for (Headline h : Headline.values()) {
                Map<Long, Map<String, Double>> bySeed = grid.getOrDefault(defense, Map.of()).getOrDefault(h.key, Map.of());
                List<Double> perSeed = bySeed.values().stream()
                        .filter(byAttack -> byAttack.keySet().containsAll(attacks))
                        .map(byAttack -> attacks.stream().mapToDouble(byAttack::get).average().orElseThrow())
                        .toList();
                Estimate e = Estimate.of(perSeed);
                if (e != null) {
                    metrics.put(h.key, e);
                }
            }
            Standing.Role role = roles.getOrDefault(defense, Standing.Role.DEFENSE);
            standings.add(new Standing(null, defense, role, metrics, List.copyOf(covered.get(defense)), note(role, metrics)));
        }
        return new Leaderboard(track, trackAttacks, attacks, profiles, profile, sort, dir, order(rank(standings), sort, dir));
    }

    private static String note(Standing.Role role, Map<String, Estimate> metrics) {
        if (role == Standing.Role.ORACLE) {
            return "oracle: knows the true trigger - an upper bound, not ranked";
        }
        if (role == Standing.Role.REFERENCE) {
            return "reference model, not a defense - not ranked";
        }
        List<String> missing = Headline.RANKING_ORDER.stream().filter(h -> !metrics.containsKey(h.key)).map(h -> h.label).toList();
        return missing.isEmpty() ? null
                : "not ranked: no " + String.join(", ", missing) + " on a seed that covers every selected attack";
    }

    /** The official order: P-ASR, then O-ASR (both lower is better), then C-Acc (higher is better). */
    static final Comparator<Standing> OFFICIAL = Comparator
            .comparingDouble((Standing s) -> s.metrics().get(Headline.P_ASR.key).mean())
            .thenComparingDouble(s -> s.metrics().get(Headline.O_ASR.key).mean())
            .thenComparing(Comparator.comparingDouble((Standing s) -> s.metrics().get(Headline.C_ACC.key).mean()).reversed())
            .thenComparing(Standing::defense);

    private static List<Standing> rank(List<Standing> standings) {
        List<Standing> rankable = standings.stream().filter(s -> s.role() == Standing.Role.DEFENSE && s.note() == null)
                .sorted(OFFICIAL).toList();
        Map<String, Integer> ranks = new TreeMap<>();
        for (int i = 0; i < rankable.size(); i++) {
            ranks.put(rankable.get(i).defense(), i + 1);
        }
        return standings.stream().map(s -> new Standing(ranks.get(s.defense()), s.defense(), s.role(), s.metrics(),
                s.attacks(), s.note())).collect(Collectors.toList());
    }

    private static List<Standing> order(List<Standing> standings, String sort, String dir) {
        Comparator<Standing> by;
        if (sort.equals("rank")) {
            // Ranked first in rank order, then the unranked (defenses, oracles, references) by name.
            by = Comparator.comparing((Standing s) -> s.rank() == null ? Integer.MAX_VALUE : s.rank())
                    .thenComparing((Standing s) -> s.role().ordinal()).thenComparing(Standing::defense);
        } else if (sort.equals("defense")) {
            by = Comparator.comparing(Standing::defense);
        } else {
            by = Comparator.comparingDouble((Standing s) -> s.metrics().containsKey(sort) ? s.metrics().get(sort).mean() : Double.NaN)
                    .thenComparing(Standing::defense);
        }
        List<Standing> sorted = new ArrayList<>(standings);
        sorted.sort(dir.equals("desc") ? by.reversed() : by);
        if (!sort.equals("rank") && !sort.equals("defense")) {
            // Missing numbers go last whichever the direction.
            sorted.sort(Comparator.comparing((Standing s) -> !s.metrics().containsKey(sort)));
        }
        return sorted;
    }
}
