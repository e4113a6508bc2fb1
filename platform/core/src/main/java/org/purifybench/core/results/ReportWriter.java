package org.purifybench.core.results;

import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.purifybench.core.UserException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Turns a {@link ResultsDocument} into the human report (report.md and a self-contained
 * report.html). It works from the document alone so a report can be regenerated, or rebuilt with a
 * newer layout, long after the run; the HTML embeds its CSS and loads nothing so it can be mailed
 * or archived and still render.
 */
public final class ReportWriter {

    // Thresholds of the superficial-safety verdict. A purification "looks" successful when the
    // backdoor is mostly gone (O-ASR at most 20%), and it is superficial when a short benign
    // retuning brings the backdoor back past a coin flip (P-ASR at least 50%). These match the
    // pattern the Retuning Attack was designed to expose; they are conventions, not statistics.
    static final double PURIFIED_MAX_O_ASR = 0.20;
    static final double SUPERFICIAL_MIN_P_ASR = 0.50;

    static final String MISSING = "–";
    /** The runner's pseudo-evaluator for what defenses report about themselves (MatrixRunner.DIAGNOSTICS). */
    private static final String DIAGNOSTICS = "diagnostics";
    private static final double RATE_TOLERANCE = 1e-9;

    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());

    private ReportWriter() {
    }

    /** One table of the paper: results that are comparable with each other. */
    record Track(String dataset, String model, double poisonRate) {
        boolean matches(ResultRow r) {
            return r.dataset() != null && r.dataset().equals(dataset) && r.model() != null && r.model().equals(model)
                    && Math.abs(r.poisonRate() - poisonRate) < RATE_TOLERANCE;
        }

        boolean matches(CellInfo c) {
            return c.dataset() != null && c.dataset().equals(dataset) && c.model() != null && c.model().equals(model)
                    && Math.abs(c.poisonRate() - poisonRate) < RATE_TOLERANCE;
        }

        String title() {
            return md(dataset) + " · " + md(model) + " · poison rate " + rate(poisonRate);
        }
    }

    // ---------------------------------------------------------------- markdown

    /** The full report as GitHub-flavoured markdown. */
    public static String markdown(ResultsDocument doc) {
        StringBuilder sb = new StringBuilder();
        sb.append("# PurifyBench report: ").append(md(doc.getRunId()))
                .append(" (profile ").append(md(doc.getProfile())).append(")\n\n");
        if (doc.getCreatedAt() != null) {
            sb.append("Created ").append(md(doc.getCreatedAt())).append(".\n\n");
        }
        provenance(sb, doc);
        approximations(sb, doc);
        settings(sb, doc);
        failures(sb, doc);

        List<Track> tracks = tracks(doc);
        sb.append("## Results\n\n");
        if (tracks.isEmpty()) {
            sb.append("No results were recorded.\n\n");
        } else {
            sb.append("Values are percentages, mean ± sample standard deviation over seeds (just the mean for one seed; ")
                    .append(MISSING).append(" when missing). O-Robustness is measured right after purification, ")
                    .append("P-Robustness after the Retuning Attack. Average is over attacks and needs every attack.\n\n");
            for (Track t : tracks) {
                sb.append("### ").append(t.title()).append("\n\n");
                sb.append(paperTable(doc, t)).append("\n");
            }
        }
        superficial(sb, doc, tracks);
        diagnostics(sb, doc, tracks);
        sweeps(sb, doc, tracks);
        Figures.markdown(sb, doc);
        return sb.toString();
    }

    // ---------------------------------------------------------------- parameter sweeps

    /** A defense run with several parameter settings, e.g. pam{epochs=10, rho=0.1} ... rho=0.9. */
    private record Sweep(String id, List<String> varied, Map<String, Map<String, String>> variants) {
    }

    // Display names of configured plug-ins are id{key=value, ...} (MatrixSpec.PluginRef.label).
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("([^{]+)\\{(.*)}");

    static List<Sweep> sweepsOf(List<String> defenses) {
        Map<String, Map<String, Map<String, String>>> byId = new java.util.LinkedHashMap<>();
        for (String d : defenses) {
            var m = LABEL.matcher(d);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> params = new java.util.TreeMap<>();
            for (String kv : m.group(2).split(", ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    params.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            byId.computeIfAbsent(m.group(1), k -> new java.util.LinkedHashMap<>()).put(d, params);
        }
        List<Sweep> out = new ArrayList<>();
        byId.forEach((id, variants) -> {
            if (variants.size() < 2) {
                return;
            }
            Set<String> keys = new java.util.TreeSet<>();
            variants.values().forEach(v -> keys.addAll(v.keySet()));
            List<String> varied = keys.stream()
                    .filter(k -> variants.values().stream().map(v -> v.get(k)).distinct().count() > 1).toList();
            out.add(new Sweep(id, varied, variants));
        });
        return out;
    }

    private static void sweeps(StringBuilder sb, ResultsDocument doc, List<Track> tracks) {
        List<Sweep> sweeps = sweepsOf(defenses(doc));
        if (sweeps.isEmpty()) {
            return;
        }
        sb.append("## Parameter sweeps\n\n");
        sb.append("One column per setting (the paper's Table 10 layout): C-Acc / ASR in percent, mean over seeds, ")
                .append("right after purification (O-Robustness) and after the Retuning Attack (P-Robustness).\n\n");
        for (Sweep sw : sweeps) {
            for (Track t : tracks) {
                List<ResultRow> rows = rowsOf(doc, t);
                for (String a : attacks(doc, t)) {
                    sb.append("### ").append(md(sw.id())).append(" sweep over ").append(md(String.join(", ", sw.varied())))
                            .append(": ").append(md(a)).append(", ").append(t.title()).append("\n\n| Evaluation |");
                    sw.variants().values().forEach(v -> sb.append(' ').append(md(sw.varied().stream()
                            .map(k -> k + " = " + v.get(k)).collect(Collectors.joining(", ")))).append(" |"));
                    sb.append("\n|---|").append("---:|".repeat(sw.variants().size())).append('\n');
                    sweepRow(sb, "O-Robustness", rows, a, sw, ReferenceRows.C_ACC, ReferenceRows.O_ASR);
                    sweepRow(sb, "P-Robustness", rows, a, sw, ReferenceRows.P_C_ACC, ReferenceRows.P_ASR);
                    sb.append('\n');
                }
            }
        }
    }

    private static void sweepRow(StringBuilder sb, String label, List<ResultRow> rows, String attack, Sweep sw,
                                 ReferenceRows.Part accPart, ReferenceRows.Part asrPart) {
        sb.append("| ").append(label).append(" |");
        for (String d : sw.variants().keySet()) {
            List<Double> acc = values(rows, d, accPart, attack);
            List<Double> asr = values(rows, d, asrPart, attack);
            sb.append(' ').append(acc.isEmpty() ? MISSING : pct(mean(acc))).append(" / ")
                    .append(asr.isEmpty() ? MISSING : pct(mean(asr))).append(" |");
        }
        sb.append('\n');
    }

    private static void provenance(StringBuilder sb, ResultsDocument doc) {
        sb.append("## Provenance\n\n");
        Provenance p = doc.getProvenance();
        if (p == null) {
            sb.append("Not recorded.\n\n");
            return;
        }
        sb.append("| Item | Value |\n|---|---|\n");
        kv(sb, "Code version", md(p.codeVersion()));
        if (p.unitsByCodeVersion() != null && (p.unitsByCodeVersion().size() > 1
                || (p.unitsByCodeVersion().size() == 1 && !p.unitsByCodeVersion().containsKey(p.codeVersion())))) {
            StringBuilder v = new StringBuilder();
            p.unitsByCodeVersion().forEach((version, n) -> v.append(v.length() == 0 ? "" : ", ").append(md(version)).append(": ").append(n));
            kv(sb, "Units per code version (a run resumed across commits)", v.toString());
        }
        kv(sb, "Config hash", md(doc.getConfigHash()));
        kv(sb, "SPI version", Integer.toString(p.spiVersion()));
        if (p.engine() != null) {
            kv(sb, "Engine", md(p.engine()) + " on " + md(p.device()));
        }
        kv(sb, "ND4J backend", md(p.nd4jBackend()));
        kv(sb, "Device", md(p.device()));
        kv(sb, "CPU", md(p.cpu()));
        kv(sb, "Cores", Integer.toString(p.cores()));
        kv(sb, "Java", md(p.javaVersion()));
        kv(sb, "OS", md(p.os()));
        kv(sb, "Wall time", seconds(p.wallTimeSeconds()));
        kv(sb, "Peak heap", mib(p.peakHeapBytes()));
        kv(sb, "Peak resident memory (process, incl. heap)", mib(p.peakOffHeapBytes()));
        sb.append('\n');
        Map<String, Double> phases = p.phaseSeconds();
        if (phases != null && !phases.isEmpty()) {
            sb.append("| Phase | Seconds | Share of wall time |\n|---|---:|---:|\n");
            for (Map.Entry<String, Double> e : phases.entrySet()) {
                double s = e.getValue() == null ? Double.NaN : e.getValue();
                String share = p.wallTimeSeconds() > 0 && Double.isFinite(s)
                        ? String.format(Locale.ROOT, "%.1f%%", 100 * s / p.wallTimeSeconds()) : MISSING;
                sb.append("| ").append(md(e.getKey())).append(" | ")
                        .append(Double.isFinite(s) ? String.format(Locale.ROOT, "%.1f", s) : MISSING)
                        .append(" | ").append(share).append(" |\n");
            }
            double total = phases.values().stream().filter(v -> v != null && Double.isFinite(v)).mapToDouble(Double::doubleValue).sum();
            if (p.wallTimeSeconds() > 0 && total > 1.01 * p.wallTimeSeconds()) {
                sb.append(String.format(Locale.ROOT, "%nCells ran in parallel: phase times are summed over the workers (%.0f s in %.0f s of wall time).%n",
                        total, p.wallTimeSeconds()));
            }
            sb.append('\n');
        }
    }

    private static void approximations(StringBuilder sb, ResultsDocument doc) {
        sb.append("## Approximations\n\n");
        List<String> a = doc.getApproximations();
        if (a.isEmpty()) {
            sb.append("none\n\n");
            return;
        }
        for (String s : a) {
            sb.append("- ").append(md(s)).append('\n');
        }
        sb.append('\n');
    }

    /**
     * Each configured plug-in's parameters as it ran: the resolved values (declared defaults filled in),
     * so the report states the setting that ran, not only what the matrix spelled out. Documents written
     * before resolved values were recorded show the matrix's values, said so.
     */
    static void settings(StringBuilder sb, ResultsDocument doc) {
        com.fasterxml.jackson.databind.JsonNode config = doc.getConfig();
        if (config == null || config.isNull()) {
            return;
        }
        StringBuilder rows = new StringBuilder();
        boolean resolved = true;
        for (String kind : List.of("attacks", "defenses", "evaluators")) {
            for (com.fasterxml.jackson.databind.JsonNode ref : config.path(kind)) {
                if (!ref.isObject()) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode params = ref.get("resolvedParams");
                if (params == null) {
                    resolved = false;
                    params = ref.path("params");
                }
                List<String> parts = new ArrayList<>();
                params.fields().forEachRemaining(e -> parts.add(e.getKey() + " = " + settingValue(e.getValue())));
                rows.append("| ").append(kind, 0, kind.length() - 1).append(" | ").append(md(ref.path("id").asText()))
                        .append(" | ").append(parts.isEmpty() ? "-" : md(String.join("; ", parts))).append(" |\n");
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## Settings\n\n").append(resolved
                ? "Each plug-in's parameters as it ran: the matrix's values, the declared defaults for the others"
                        + " (a per-attack value as attack: value).\n\n"
                : "Each plug-in's parameters as the matrix gave them (this results file predates recorded defaults).\n\n");
        sb.append("| Kind | Plug-in | Parameters |\n|---|---|---|\n").append(rows).append('\n');
    }

    private static String settingValue(com.fasterxml.jackson.databind.JsonNode v) {
        if (!v.isObject()) {
            return v.isTextual() ? v.asText() : v.toString();
        }
        List<String> perAttack = new ArrayList<>();
        v.fields().forEachRemaining(e -> perAttack.add(e.getKey() + ": " + settingValue(e.getValue())));
        return String.join(", ", perAttack);
    }

    /**
     * The units that produced no results, so a reader knows which table cells are missing and why.
     * The log lines stay in results.json (and the whole log in the run folder's run.log): too long here.
     */
    static void failures(StringBuilder sb, ResultsDocument doc) {
        sb.append("## Failed units\n\n");
        if (!doc.failuresRecorded()) {
            sb.append("not recorded (this results file has schemaVersion ").append(doc.getSchemaVersion())
                    .append(", written before failed units were recorded)\n\n");
            return;
        }
        List<FailedUnit> failed = doc.getFailures();
        if (failed.isEmpty()) {
            sb.append("none\n\n");
            return;
        }
        sb.append(failed.size()).append(" unit(s) produced no results, so their values are missing (").append(MISSING)
                .append(") below; each one's last log lines are in results.json (`failures`), the whole log in the run folder's run.log.\n\n");
        sb.append("| Cell | Defense | Evaluator | Status | Reason |\n|---|---|---|---|---|\n");
        for (FailedUnit f : failed) {
            sb.append("| ").append(md(f.cellId())).append(" | ").append(md(f.defense())).append(" | ")
                    .append(f.evaluator() == null ? "(the defense failed)" : md(f.evaluator())).append(" | ")
                    .append(md(f.status().label())).append(" | ").append(md(f.reason())).append(" |\n");
        }
        sb.append('\n');
    }

    /**
     * What defenses reported about their own runs (the runner's pseudo-evaluator "diagnostics"): one
     * line per defense, attack and quantity, values in seed order. Never part of a ranking.
     */
    static void diagnostics(StringBuilder sb, ResultsDocument doc, List<Track> tracks) {
        StringBuilder body = new StringBuilder();
        for (Track t : tracks) {
            List<ResultRow> rows = rowsOf(doc, t).stream().filter(r -> DIAGNOSTICS.equals(r.evaluator())).toList();
            if (rows.isEmpty()) {
                continue;
            }
            body.append("### ").append(t.title()).append("\n\n| Defense | Attack | Quantity | Per seed |\n|---|---|---|---|\n");
            java.util.Map<List<String>, java.util.TreeMap<Long, Double>> byKey = new java.util.LinkedHashMap<>();
            for (ResultRow r : rows) {
                byKey.computeIfAbsent(List.of(r.defense(), r.attack(), r.metric()), k -> new java.util.TreeMap<>()).put(r.seed(), r.value());
            }
            byKey.forEach((k, bySeed) -> {
                List<String> values = new ArrayList<>();
                bySeed.forEach((seed, v) -> values.add("seed " + seed + ": " + diagnosticValue(k.get(2), v)));
                body.append("| ").append(defenseLabel(doc, k.get(0))).append(" | ").append(md(k.get(1))).append(" | ")
                        .append(md(k.get(2))).append(" | ").append(String.join(", ", values)).append(" |\n"); // values are our own numbers and words
            });
            body.append('\n');
        }
        if (body.length() == 0) {
            return;
        }
        sb.append("## Defense diagnostics\n\n")
                .append("Numbers the defenses reported about their own runs: the trigger target an inversion inferred ")
                .append("(`inverted-target-correct` compares it with the attack's target, which the defense never sees), ")
                .append("the share of generated images classified as it, and hyperparameters chosen by a validation rule. ")
                .append("Not used for any ranking.\n\n")
                .append(body);
    }

    private static String diagnosticValue(String metric, double v) {
        if (metric.endsWith("-correct")) {
            return v == 1 ? "yes" : v == 0 ? "**no**" : Double.toString(v);
        }
        if (metric.endsWith("-share")) {
            return pct(v) + "%";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    private static void superficial(StringBuilder sb, ResultsDocument doc, List<Track> tracks) {
        sb.append("## Superficial safety\n\n");
        sb.append(String.format(Locale.ROOT,
                "A defense is **superficial** for an attack when O-ASR ≤ %s and P-ASR ≥ %s (the backdoor looks removed "
                        + "but comes back after the Retuning Attack), **robust** when O-ASR ≤ %s and P-ASR < %s, and "
                        + "**not purified** when O-ASR > %s. O-ASR and P-ASR are means over seeds.\n\n",
                rate(PURIFIED_MAX_O_ASR), rate(SUPERFICIAL_MIN_P_ASR), rate(PURIFIED_MAX_O_ASR),
                rate(SUPERFICIAL_MIN_P_ASR), rate(PURIFIED_MAX_O_ASR)));
        boolean any = false;
        for (Track t : tracks) {
            List<ResultRow> rows = rowsOf(doc, t);
            List<String> attacks = attacks(doc, t);
            List<String> defenses = defenses(doc).stream().filter(d -> !ReferenceRows.backdoored(doc).orElse("").equals(d)).toList();
            if (attacks.isEmpty() || defenses.isEmpty()) {
                continue;
            }
            any = true;
            sb.append("### ").append(t.title()).append("\n\n");
            sb.append("| Defense | Attack | O-ASR | P-ASR | Verdict |\n|---|---|---:|---:|---|\n");
            for (String d : defenses) {
                for (String a : attacks) {
                    double o = mean(values(rows, d, ReferenceRows.O_ASR, a));
                    double p = mean(values(rows, d, ReferenceRows.P_ASR, a));
                    sb.append("| ").append(defenseLabel(doc, d)).append(" | ").append(md(a)).append(" | ")
                            .append(pctOrMissing(o)).append(" | ").append(pctOrMissing(p)).append(" | ")
                            .append(verdict(o, p)).append(" |\n");
                }
            }
            sb.append('\n');
        }
        if (!any) {
            sb.append("No defense results to classify.\n\n");
        }
    }

    static String verdict(double oAsr, double pAsr) {
        if (Double.isNaN(oAsr)) {
            return "no data";
        }
        if (oAsr > PURIFIED_MAX_O_ASR) {
            return "not purified";
        }
        if (Double.isNaN(pAsr)) {
            return "no RA data";
        }
        return pAsr >= SUPERFICIAL_MIN_P_ASR ? "superficial" : "robust";
    }

    // ---------------------------------------------------------------- paper table

    /**
     * The paper-style table (like Table 3 of the paper) for one track, followed by the RA control
     * line. Throws a {@link UserException} naming the available tracks when there is no such track.
     */
    public static String paperTable(ResultsDocument doc, String dataset, String model, double poisonRate) {
        List<Track> tracks = tracks(doc);
        Track track = tracks.stream()
                .filter(t -> t.dataset().equals(dataset) && t.model().equals(model)
                        && Math.abs(t.poisonRate() - poisonRate) < RATE_TOLERANCE)
                .findFirst()
                .orElseThrow(() -> new UserException(
                        "no results for dataset " + dataset + ", model " + model + ", poison rate " + poisonRate,
                        tracks.isEmpty() ? "the results file has no rows"
                                : "available: " + tracks.stream()
                                .map(t -> t.dataset() + "/" + t.model() + "/" + t.poisonRate())
                                .collect(Collectors.joining(", "))));
        return paperTable(doc, track);
    }

    private static String paperTable(ResultsDocument doc, Track t) {
        List<ResultRow> rows = rowsOf(doc, t);
        List<String> attacks = attacks(doc, t);
        StringBuilder sb = new StringBuilder();
        sb.append("| Defense |");
        for (String a : attacks) {
            sb.append(' ').append(md(a)).append(" C-Acc | ").append(md(a)).append(" ASR |");
        }
        sb.append(" Average C-Acc | Average ASR |\n|---|");
        sb.append("---:|".repeat(2 * attacks.size() + 2)).append('\n');

        // Without a backdoored baseline the row stays, empty, so the table keeps its shape.
        String backdoored = ReferenceRows.backdoored(doc).orElse(MISSING);
        tableRow(sb, "O-Backdoor", rows, attacks, backdoored, ReferenceRows.C_ACC, ReferenceRows.O_ASR);
        for (String d : defenses(doc)) {
            if (backdoored.equals(d)) {
                continue;
            }
            String label = defenseLabel(doc, d);
            tableRow(sb, label + " O-Robustness", rows, attacks, d, ReferenceRows.C_ACC, ReferenceRows.O_ASR);
            tableRow(sb, label + " P-Robustness", rows, attacks, d, ReferenceRows.P_C_ACC, ReferenceRows.P_ASR);
        }
        sb.append('\n');

        sb.append("RA control (clean model after the Retuning Attack), mean control-P-ASR:");
        if (attacks.isEmpty()) {
            sb.append(' ').append(MISSING);
        }
        for (int i = 0; i < attacks.size(); i++) {
            String a = attacks.get(i);
            List<Double> v = values(rows, r -> ReferenceRows.RA_CONTROL_P_ASR.evaluator().equals(r.evaluator())
                    && ReferenceRows.RA_CONTROL_P_ASR.metric().equals(r.metric())
                    && a.equals(r.attack()));
            sb.append(i == 0 ? " " : ", ").append(md(a)).append(' ').append(v.isEmpty() ? MISSING : pct(mean(v)) + "%");
        }
        sb.append(".\n");
        return sb.toString();
    }

    private static void tableRow(StringBuilder sb, String label, List<ResultRow> rows, List<String> attacks,
                                 String defense, ReferenceRows.Part accPart, ReferenceRows.Part asrPart) {
        sb.append("| ").append(label).append(" |");
        List<Double> accMeans = new ArrayList<>();
        List<Double> asrMeans = new ArrayList<>();
        for (String a : attacks) {
            List<Double> acc = values(rows, defense, accPart, a);
            List<Double> asr = values(rows, defense, asrPart, a);
            sb.append(' ').append(meanStd(acc)).append(" | ").append(meanStd(asr)).append(" |");
            accMeans.add(mean(acc));
            asrMeans.add(mean(asr));
        }
        sb.append(' ').append(average(accMeans)).append(" | ").append(average(asrMeans)).append(" |\n");
    }

    // An average over a subset of attacks would not be comparable with other rows, so any gap
    // makes the whole average missing.
    private static String average(List<Double> means) {
        if (means.isEmpty() || means.stream().anyMatch(m -> Double.isNaN(m))) {
            return MISSING;
        }
        return pct(means.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }

    static String meanStd(List<Double> v) {
        if (v.isEmpty()) {
            return MISSING;
        }
        double m = mean(v);
        if (v.size() == 1) {
            return pct(m);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return pct(m) + " ± " + pct(Math.sqrt(ss / (v.size() - 1)));
    }

    // ---------------------------------------------------------------- grouping

    static List<Track> tracks(ResultsDocument doc) {
        Set<Track> out = new LinkedHashSet<>();
        for (CellInfo c : doc.getCells()) {
            if (c.dataset() != null && c.model() != null) {
                addTrack(out, new Track(c.dataset(), c.model(), c.poisonRate()));
            }
        }
        for (ResultRow r : doc.getRows()) {
            if (r.dataset() != null && r.model() != null) {
                addTrack(out, new Track(r.dataset(), r.model(), r.poisonRate()));
            }
        }
        return new ArrayList<>(out);
    }

    private static void addTrack(Set<Track> tracks, Track t) {
        for (Track o : tracks) {
            if (o.dataset().equals(t.dataset()) && o.model().equals(t.model())
                    && Math.abs(o.poisonRate() - t.poisonRate()) < RATE_TOLERANCE) {
                return;
            }
        }
        tracks.add(t);
    }

    static List<ResultRow> rowsOf(ResultsDocument doc, Track t) {
        return doc.getRows().stream().filter(t::matches).toList();
    }

    static List<String> attacks(ResultsDocument doc, Track t) {
        Set<String> out = new LinkedHashSet<>();
        doc.getCells().stream().filter(t::matches).map(CellInfo::attack).filter(a -> a != null).forEach(out::add);
        rowsOf(doc, t).stream().map(ResultRow::attack).filter(a -> a != null).forEach(out::add);
        return new ArrayList<>(out);
    }

    // Defenses that ran anywhere in the run, in plugin order then first appearance. Listing them in
    // every track (rather than only where they have rows) makes a failed track show up as gaps.
    static List<String> defenses(ResultsDocument doc) {
        return ReferenceRows.defenses(doc);
    }

    static String defenseLabel(ResultsDocument doc, String defense) {
        return md(defense) + (isOracle(doc, defense) ? " (oracle)" : "") + (isReference(doc, defense) ? " (reference)" : "");
    }

    /** A baseline (the backdoored model itself or the clean model): shown beside defenses, never ranked or averaged with them. */
    static boolean isReference(ResultsDocument doc, String defense) {
        return ReferenceRows.isBaseline(doc, defense);
    }

    static boolean isOracle(ResultsDocument doc, String defense) {
        return ReferenceRows.isOracle(doc, defense);
    }

    private static List<Double> values(List<ResultRow> rows, String defense, ReferenceRows.Part part, String attack) {
        return values(rows, r -> defense.equals(r.defense()) && part.evaluator().equals(r.evaluator())
                && part.metric().equals(r.metric()) && attack.equals(r.attack()));
    }

    // NaN encodes an undefined metric (see ResultRow); it is a gap, not a sample.
    static List<Double> values(List<ResultRow> rows, Predicate<ResultRow> filter) {
        return rows.stream().filter(filter).map(ResultRow::value).filter(v -> !Double.isNaN(v)).toList();
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    // ---------------------------------------------------------------- formatting

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }

    private static String pctOrMissing(double fraction) {
        return Double.isNaN(fraction) ? MISSING : pct(fraction) + "%";
    }

    static String rate(double fraction) {
        if (!Double.isFinite(fraction)) {
            return MISSING;
        }
        return new BigDecimal(100 * fraction).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
    }

    private static String seconds(double s) {
        return Double.isFinite(s) ? String.format(Locale.ROOT, "%.1f s", s) : MISSING;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static void kv(StringBuilder sb, String key, String value) {
        sb.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    /**
     * Makes a user-supplied string render literally in markdown: table pipes and the characters
     * that would start emphasis, code, links, HTML or entities are backslash-escaped, and line
     * breaks (which would end a table row) become spaces.
     */
    static String md(String s) {
        if (s == null) {
            return MISSING;
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '&', '#', '!', '~' -> sb.append('\\').append(c);
                case '\r', '\n' -> sb.append(' ');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- html and files

    /** The report as one self-contained HTML page (inline CSS, no external assets, no scripts). */
    public static String html(ResultsDocument doc) {
        Parser parser = Parser.builder().extensions(EXTENSIONS).build();
        // escapeHtml: raw HTML in the markdown (there should be none, but user strings end up there)
        // is shown as text instead of being executed.
        HtmlRenderer renderer = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true).build();
        String body = renderer.render(parser.parse(markdown(doc)));
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>PurifyBench report: " + htmlEscape(doc.getRunId()) + "</title>\n"
                + "<style>\n" + CSS + "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
                   max-width: 80rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
            h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
            h3 { font-size: 1.1rem; }
            table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
            th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; }
            th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
            td[align="right"], th[align="right"] { font-variant-numeric: tabular-nums; white-space: nowrap; }
            """;

    private static String htmlEscape(String s) {
        if (s == null) {
            return MISSING;
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    /**
     * Writes report.md and report.html into {@code dir} (created if needed) and returns their paths.
     * The figures the report links to go to {@code dir/figures} first, so a report never points at
     * images that are not there yet.
     */
    public static List<Path> write(ResultsDocument doc, Path dir) {
        Figures.write(doc, dir);
        Path md = dir.resolve("report.md");
        Path html = dir.resolve("report.html");
        AtomicFiles.writeString(md, markdown(doc));
        AtomicFiles.writeString(html, html(doc));
        return List.of(md, html);
    }
}
