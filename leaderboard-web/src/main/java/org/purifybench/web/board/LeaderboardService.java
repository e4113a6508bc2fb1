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
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.PluginRoles;
import org.purifybench.web.store.TrackKey;
import org.purifybench.web.store.TrackRuns;

/**
 * Builds a track's leaderboard from the published runs. An entry is a defense at one parameter
 * setting. Its number for a metric is the mean over seeds of (the mean over the chosen attacks on
 * that seed); only seeds on which every chosen attack was measured count, so entries are compared on
 * the same attacks. The spread is the standard deviation over those seeds.
 *
 * <p>Ranking (stated on the page and in /about): entries whose C-Acc stays within the budget of the
 * backdoored model's rank first, then the others; within each group by P-ASR, and entries whose P-ASR
 * intervals (mean ± one standard deviation) overlap share ranks, shown as a range. O-ASR and then
 * C-Acc only order the display inside a shared range.
 */
@Singleton
public class LeaderboardService {

    public static final List<String> SORTS = List.of("rank", "defense", "p-asr", "o-asr", "c-acc", "p-c-acc", "qra-p-asr");


    private final CellRepository cells;
    private final PluginRepository plugins;
    private final BoardData data;
    private final BoardSettings settings;
    private final PageCache cache;

    public LeaderboardService(CellRepository cells, PluginRepository plugins, BoardData data, BoardSettings settings,
                              PageCache cache) {
        this.cells = cells;
        this.plugins = plugins;
        this.data = data;
        this.settings = settings;
        this.cache = cache;
    }

    public List<Track> tracks() {
        return cache.get(List.of("tracks"),
                () -> cells.publishedTracks().stream().map(LeaderboardService::track).toList());
    }

    private static Track track(TrackKey k) {
        return new Track(k.dataset(), k.model(), k.poisonRate());
    }

    /**
     * The home page's track: the configured one when it is published, else the track with the most
     * published runs of the standard profile, else the most published runs of any profile (ties: the
     * first in track order). Empty when nothing is published.
     */
    public java.util.Optional<Track> featuredTrack() {
        return cache.get(List.of("featured"), () -> {
            List<Track> tracks = tracks();
            String wanted = settings.featuredTrack();
            if (!wanted.isEmpty()) {
                String[] p = wanted.split("/");
                java.util.Optional<Track> configured = tracks.stream().filter(t -> t.dataset().equals(p[0])
                        && t.model().equals(p[1]) && t.rate().equals(p[2])).findFirst();
                if (configured.isPresent()) {
                    return configured;
                }
            }
            Map<Track, long[]> counts = new LinkedHashMap<>();   // {standard runs, all runs}
            tracks.forEach(t -> counts.put(t, new long[2]));
            for (TrackRuns r : cells.publishedRunsPerTrack()) {
                long[] c = counts.get(new Track(r.dataset(), r.model(), r.poisonRate()));
                if (c != null) {
                    c[0] += "standard".equals(r.profile()) ? r.runs() : 0;
                    c[1] += r.runs();
                }
            }
            return counts.entrySet().stream()
                    .max(Comparator.<Map.Entry<Track, long[]>>comparingLong(e -> e.getValue()[0])
                            .thenComparingLong(e -> e.getValue()[1])
                            .thenComparing(e -> -tracks.indexOf(e.getKey())))
                    .map(Map.Entry::getKey);
        });
    }

    /** Roles from the plug-in records of published runs: a defense any run marked oracle is an oracle. */
    public Map<String, Standing.Role> roles() {
        Map<String, Standing.Role> roles = new TreeMap<>();
        for (PluginRecord p : plugins.publishedDefenses()) {
            String r = PluginRoles.of(p);
            Standing.Role role = PluginRoles.ORACLE.equals(r) ? Standing.Role.ORACLE
                    : PluginRoles.isBaseline(r) ? Standing.Role.REFERENCE : Standing.Role.DEFENSE;
            roles.merge(p.pluginId(), role, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return roles;
    }

    /** The plug-in ids published runs give the backdoored baseline: the reference whose C-Acc the guard compares with. */
    Set<String> backdooredBaselines() {
        Set<String> ids = new java.util.HashSet<>();
        for (PluginRecord p : plugins.publishedDefenses()) {
            if (PluginRoles.BACKDOORED_BASELINE.equals(PluginRoles.of(p))) {
                ids.add(p.pluginId());
            }
        }
        return ids;
    }

    /** A row's defense name is the plug-in id, or its label id{params} when a matrix lists the id twice. */
    static String pluginId(String defense) {
        int brace = defense.indexOf('{');
        return brace > 0 ? defense.substring(0, brace) : defense;
    }

    Standing.Role role(Map<String, Standing.Role> roles, String defense) {
        return roles.getOrDefault(pluginId(defense), Standing.Role.DEFENSE);
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
        BoardData.Measurements all = data.track(track, null, Headline.evaluators());
        if (profile != null && !all.profiles().contains(profile)) {
            throw new BadQueryException("profile '" + profile + "' has no published runs in track " + track.label()
                    + " - profiles here: " + String.join(", ", all.profiles()));
        }
        BoardData.Measurements chosen = profile == null ? all : data.track(track, profile, Headline.evaluators());
        List<BoardData.Measured> means = chosen.measured();
        List<String> trackAttacks = means.stream().map(BoardData.Measured::attack).distinct().sorted().toList();
        for (String a : attackFilter) {
            if (!trackAttacks.contains(a)) {
                throw new BadQueryException("attack '" + a + "' has no results in track " + track.label()
                        + " - attacks here: " + String.join(", ", trackAttacks));
            }
        }
        List<String> attacks = attackFilter.isEmpty() ? trackAttacks : attackFilter.stream().distinct().sorted().toList();
        Map<String, Standing.Role> roles = roles();
        Map<String, String> official = data.officialSettings();

        Comparator<Entry> byEntry = Comparator.comparing(Entry::defense).thenComparing(Entry::setting);
        // entry -> headline key -> seed -> attack -> value
        Map<Entry, Map<String, Map<Long, Map<String, Double>>>> grid = new TreeMap<>(byEntry);
        Map<Entry, Set<String>> covered = new TreeMap<>(byEntry);
        for (BoardData.Measured m : means) {
            covered.computeIfAbsent(m.entry(), d -> new TreeSet<>()).add(m.attack());
            if (m.mean() == null || !attacks.contains(m.attack())) {
                continue;
            }
            for (Headline h : Headline.values()) {
                if (h.evaluator.equals(m.evaluator()) && h.metric.equals(m.metric())) {
                    grid.computeIfAbsent(m.entry(), d -> new TreeMap<>()).computeIfAbsent(h.key, k -> new TreeMap<>())
                            .computeIfAbsent(m.seed(), s -> new TreeMap<>()).put(m.attack(), m.mean());
                }
            }
        }
        Map<String, Long> settingsPerDefense = new TreeMap<>();
        covered.keySet().forEach(e -> settingsPerDefense.merge(e.defense(), 1L, Long::sum));

        Map<Entry, Map<String, Estimate>> metricsByEntry = new LinkedHashMap<>();
        for (Entry entry : covered.keySet()) {
            Map<String, Estimate> metrics = new LinkedHashMap<>();
            for (Headline h : Headline.values()) {
                Map<Long, Map<String, Double>> bySeed = grid.getOrDefault(entry, Map.of()).getOrDefault(h.key, Map.of());
                List<Double> perSeed = bySeed.values().stream()
                        .filter(byAttack -> byAttack.keySet().containsAll(attacks))
                        .map(byAttack -> attacks.stream().mapToDouble(byAttack::get).average().orElseThrow())
                        .toList();
                Estimate e = Estimate.of(perSeed);
                if (e != null) {
                    metrics.put(h.key, e);
                }
            }
            metricsByEntry.put(entry, metrics);
        }
        Set<String> backdoored = backdooredBaselines();
        Double referenceCAcc = metricsByEntry.entrySet().stream()
                .filter(e -> backdoored.contains(e.getKey().defense()) && e.getValue().containsKey(Headline.C_ACC.key))
                .map(e -> e.getValue().get(Headline.C_ACC.key).mean()).findFirst().orElse(null);
        int standardSeeds = metricsByEntry.values().stream().filter(m -> m.containsKey(Headline.P_ASR.key))
                .mapToInt(m -> m.get(Headline.P_ASR.key).seeds()).max().orElse(0);

        List<Standing> standings = new ArrayList<>();
        Set<Entry> eligible = new java.util.HashSet<>();
        for (var e : metricsByEntry.entrySet()) {
            Entry entry = e.getKey();
            Map<String, Estimate> metrics = e.getValue();
            Standing.Role role = role(roles, entry.defense());
            boolean several = settingsPerDefense.get(entry.defense()) > 1;
            String officialSetting = official.get(entry.defense());
            boolean variant = several && officialSetting != null && !officialSetting.equals(entry.setting());
            String name = several && !entry.setting().equals(officialSetting)
                    ? entry.defense() + " [" + entry.setting() + "]" : entry.defense();
            Estimate cAcc = metrics.get(Headline.C_ACC.key);
            boolean below = role == Standing.Role.DEFENSE && referenceCAcc != null && cAcc != null
                    && cAcc.mean() < referenceCAcc - settings.cAccBudget() - 1e-12;
            Estimate pAsr = metrics.get(Headline.P_ASR.key);
            boolean fewer = pAsr != null && pAsr.seeds() < standardSeeds;
            if (role == Standing.Role.DEFENSE && !variant && Headline.RANKING_ORDER.stream().allMatch(h -> metrics.containsKey(h.key))) {
                eligible.add(entry);
            }
            standings.add(new Standing(null, null, entry.defense(), entry.setting(), name, paramsOf(chosen, entry), role,
                    metrics, List.copyOf(covered.get(entry)), below, fewer,
                    note(role, metrics, variant, officialSetting, below, fewer, pAsr, standardSeeds)));
        }
        return new Leaderboard(track, trackAttacks, attacks, all.profiles(), profile, sort, dir,
                order(rank(standings, eligible), sort, dir), referenceCAcc, settings.cAccBudget(), standardSeeds);
    }

    private @Nullable Map<String, Object> paramsOf(BoardData.Measurements m, Entry entry) {
        return m.paramsByEntry().get(entry);
    }

    private String note(Standing.Role role, Map<String, Estimate> metrics, boolean variant, @Nullable String officialSetting,
                        boolean below, boolean fewer, @Nullable Estimate pAsr, int standardSeeds) {
        if (role == Standing.Role.ORACLE) {
            return "oracle: knows the true trigger - an upper bound, not ranked";
        }
        if (role == Standing.Role.REFERENCE) {
            return "reference model, not a defense - not ranked";
        }
        if (variant) {
            return "a variant: the official setting of this defense is [" + officialSetting + "] - not ranked";
        }
        List<String> missing = Headline.RANKING_ORDER.stream().filter(h -> !metrics.containsKey(h.key)).map(h -> h.label).toList();
        if (!missing.isEmpty()) {
            return "not ranked: no " + String.join(", ", missing) + " on a seed that covers every selected attack";
        }
        List<String> marks = new ArrayList<>();
        if (below) {
            marks.add("C-Acc more than " + BoardSettings.points(settings.cAccBudget()) + " points below the backdoored model's: ranked after"
                    + " the defenses within the budget");
        }
        if (fewer) {
            marks.add("measured on " + pAsr.seeds() + " seed(s), fewer than this track's " + standardSeeds);
        }
        return marks.isEmpty() ? null : String.join("; ", marks);
    }

    /** The official order: P-ASR, then O-ASR (both lower is better), then C-Acc (higher is better). */
    static final Comparator<Standing> OFFICIAL = Comparator
            .comparingDouble((Standing s) -> s.metrics().get(Headline.P_ASR.key).mean())
            .thenComparingDouble(s -> s.metrics().get(Headline.O_ASR.key).mean())
            .thenComparing(Comparator.comparingDouble((Standing s) -> s.metrics().get(Headline.C_ACC.key).mean()).reversed())
            .thenComparing(Standing::name);

    /** Ranked entries first (within the C-Acc budget, then below it; each in the official order), then the rest. */
    private static List<Standing> rank(List<Standing> standings, Set<Entry> eligible) {
        java.util.function.Predicate<Standing> rankable = s -> eligible.contains(s.entry());
        List<Standing> within = standings.stream().filter(s -> rankable.test(s) && !s.belowCAccBudget()).sorted(OFFICIAL).toList();
        List<Standing> below = standings.stream().filter(s -> rankable.test(s) && s.belowCAccBudget()).sorted(OFFICIAL).toList();
        List<Standing> out = new ArrayList<>(ranks(within, 0));
        out.addAll(ranks(below, within.size()));
        standings.stream().filter(rankable.negate())
                .sorted(Comparator.comparing((Standing s) -> s.role().ordinal()).thenComparing(Standing::name))
                .forEach(out::add);
        return out;
    }

    /**
     * Best rank = 1 + the entries whose P-ASR interval lies wholly below this one's; worst rank = 1 +
     * the other entries whose interval reaches down to or below this one's top.
     */
    static List<Standing> ranks(List<Standing> group, int offset) {
        List<Standing> out = new ArrayList<>();
        for (Standing s : group) {
            Estimate p = s.metrics().get(Headline.P_ASR.key);
            int better = 0;
            int notWorse = 0;
            for (Standing o : group) {
                Estimate q = o.metrics().get(Headline.P_ASR.key);
                if (high(q) < low(p)) {
                    better++;
                }
                if (o != s && low(q) <= high(p)) {
                    notWorse++;
                }
            }
            out.add(s.withRanks(offset + 1 + better, offset + 1 + notWorse));
        }
        return out;
    }

    private static double low(Estimate e) {
        return e.mean() - (e.spread() == null ? 0 : e.spread());
    }

    private static double high(Estimate e) {
        return e.mean() + (e.spread() == null ? 0 : e.spread());
    }

    private static List<Standing> order(List<Standing> ranked, String sort, String dir) {
        List<Standing> sorted = new ArrayList<>(ranked);
        if (sort.equals("rank")) {
            if (dir.equals("desc")) {
                java.util.Collections.reverse(sorted);
            }
            return sorted;
        }
        Comparator<Standing> by = sort.equals("defense") ? Comparator.comparing(Standing::name)
                : Comparator.comparingDouble((Standing s) -> s.metrics().containsKey(sort) ? s.metrics().get(sort).mean() : Double.NaN)
                        .thenComparing(Standing::name);
        sorted.sort(dir.equals("desc") ? by.reversed() : by);
        if (!sort.equals("defense")) {
            // Missing numbers go last whichever the direction.
            sorted.sort(Comparator.comparing((Standing s) -> !s.metrics().containsKey(sort)));
        }
        return sorted;
    }
}
