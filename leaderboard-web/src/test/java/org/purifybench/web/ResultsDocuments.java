package org.purifybench.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds schema-valid results documents with chosen numbers, so tests know every expected mean.
 * {@code value(defense, attack, seed, key)} gives the value for key c-acc, asr (accuracy), p-asr,
 * p-c-acc (ra), qra-p-asr (qra); a missing entry leaves that row out.
 */
public final class ResultsDocuments {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final String runId;
    private String profile = "standard";
    private String dataset = "fashion-mnist";
    private String model = "cnn-small";
    private double rate = 0.05;
    private final Map<String, Double> values = new LinkedHashMap<>();
    private final List<String> attacks = new ArrayList<>();
    private final List<Long> seeds = new ArrayList<>();
    private final List<String> defenses = new ArrayList<>();
    private final Set<String> oracles = new java.util.HashSet<>(Set.of("ep"));
    private final Set<String> references = new java.util.HashSet<>(Set.of("none", "clean"));
    private boolean lmcCurves = true;
    /** Defense to recorded role, as runs write them since roles are recorded; a defense not here has none (an old document). */
    private final Map<String, String> roles = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> params = new LinkedHashMap<>();
    private final Map<String, String[]> pluginText = new LinkedHashMap<>();
    private final List<String[]> failures = new ArrayList<>();

    private ResultsDocuments(String runId) {
        this.runId = runId;
    }

    public static ResultsDocuments run(String runId) {
        return new ResultsDocuments(runId);
    }

    public ResultsDocuments profile(String p) {
        this.profile = p;
        return this;
    }

    public ResultsDocuments track(String dataset, String model, double rate) {
        this.dataset = dataset;
        this.model = model;
        this.rate = rate;
        return this;
    }

    /**
     * Records the defense's parameters in the document's config ({@code defenses: [{id, params}]}), as a
     * real run does; without any call the config lists no defenses (settings "unrecorded").
     */
    public ResultsDocuments params(String defense, Map<String, Object> p) {
        params.put(defense, p);
        return this;
    }

    /**
     * Records {@code role} for {@code defense} (and its flags as a run derives them: oracle for
     * ORACLE, reference for the baselines), as documents written since roles are recorded carry it.
     */
    public ResultsDocuments role(String defense, String role) {
        roles.put(defense, role);
        return this;
    }

    /** The plug-in's description and paper, as a run writes them from its descriptor. */
    public ResultsDocuments describe(String plugin, String description, String paper) {
        pluginText.put(plugin, new String[] {description, paper});
        return this;
    }

    /**
     * Records a failed unit on the cell of {@code attack} and {@code seed} (evaluator null: the
     * defense itself failed); a document with a failure is written as schemaVersion 2, as runs write
     * them since failures are recorded; without any it is a schemaVersion 1 document.
     */
    public ResultsDocuments failure(String defense, String evaluator, String attack, long seed, String status, String reason,
                                    String... logTail) {
        if (!attacks.contains(attack)) {
            attacks.add(attack);
        }
        if (!seeds.contains(seed)) {
            seeds.add(seed);
        }
        String[] f = new String[5 + logTail.length];
        f[0] = defense;
        f[1] = evaluator;
        f[2] = attack + "/" + rate + "/seed" + seed;
        f[3] = status;
        f[4] = reason;
        System.arraycopy(logTail, 0, f, 5, logTail.length);
        failures.add(f);
        return this;
    }

    public ResultsDocuments noCurves() {
        this.lmcCurves = false;
        return this;
    }

    /** Sets one value; registers the defense, attack and seed. */
    public ResultsDocuments value(String defense, String attack, long seed, String key, double v) {
        if (!defenses.contains(defense)) {
            defenses.add(defense);
        }
        if (!attacks.contains(attack)) {
            attacks.add(attack);
        }
        if (!seeds.contains(seed)) {
            seeds.add(seed);
        }
        values.put(defense + "|" + attack + "|" + seed + "|" + key, v);
        return this;
    }

    /** Sets c-acc, asr and p-asr (and p-c-acc = c-acc) for one (defense, attack, seed). */
    public ResultsDocuments result(String defense, String attack, long seed, double cAcc, double oAsr, double pAsr) {
        return value(defense, attack, seed, "c-acc", cAcc).value(defense, attack, seed, "asr", oAsr)
                .value(defense, attack, seed, "p-asr", pAsr).value(defense, attack, seed, "p-c-acc", cAcc);
    }

    private static final Map<String, String[]> METRICS = Map.of(
            "c-acc", new String[] {"accuracy", "c-acc"}, "asr", new String[] {"accuracy", "asr"},
            "p-asr", new String[] {"ra", "p-asr"}, "p-c-acc", new String[] {"ra", "p-c-acc"},
            "qra-p-asr", new String[] {"qra", "p-asr"});

    public ObjectNode tree() {
        ObjectNode d = JSON.createObjectNode();
        d.put("schema", "purifybench-results");
        d.put("schemaVersion", failures.isEmpty() ? 1 : 2);
        d.put("runId", runId);
        d.put("createdAt", "2026-11-26T12:00:00Z");
        d.put("profile", profile);
        d.put("configHash", "cfg-" + runId);
        ObjectNode config = d.putObject("config");
        config.put("profile", profile);
        if (!params.isEmpty()) {
            ArrayNode list = config.putArray("defenses");
            for (String def : defenses) {
                ObjectNode entry = list.addObject();
                entry.put("id", def.contains("{") ? def.substring(0, def.indexOf('{')) : def);
                entry.set("params", JSON.valueToTree(params.getOrDefault(def, Map.of())));
            }
        }
        ObjectNode p = d.putObject("provenance");
        p.put("codeVersion", "0.1.0-SNAPSHOT+test");
        p.put("spiVersion", 1);
        p.put("javaVersion", "17");
        p.put("os", "Linux");
        p.put("cpu", "test cpu");
        p.put("cores", 2);
        p.put("nd4jBackend", "test");
        p.put("device", "cpu");
        p.put("wallTimeSeconds", 12.5);
        p.putObject("phaseSeconds").put("defenses", 10.0);
        p.put("peakHeapBytes", 1L << 20);
        p.put("peakOffHeapBytes", 1L << 21);
        d.putArray("approximations").add("test document: numbers chosen by the test");
        ArrayNode plugins = d.putArray("plugins");
        for (String a : attacks) {
            plugin(plugins, "attack", a, false, false);
        }
        for (String def : defenses) {
            String role = roles.get(def);
            ObjectNode n = role == null ? plugin(plugins, "defense", def, oracles.contains(def), references.contains(def))
                    : plugin(plugins, "defense", def, role.equals("ORACLE"), role.endsWith("_BASELINE"));
            if (role != null) {
                n.put("role", role);
            }
        }
        for (String e : List.of("accuracy", "ra", "qra", "lmc")) {
            plugin(plugins, "evaluator", e, false, false);
        }
        ArrayNode cells = d.putArray("cells");
        ArrayNode rows = d.putArray("rows");
        ArrayNode curves = d.putArray("curves");
        for (String a : attacks) {
            for (long s : seeds) {
                String cellId = dataset + "/" + model + "/" + a + "/" + rate + "/seed" + s;
                ObjectNode c = cells.addObject();
                c.put("cellId", cellId);
                c.put("dataset", dataset);
                c.put("model", model);
                c.put("attack", a);
                c.put("poisonRate", rate);
                c.put("seed", s);
                c.put("backdooredModelKey", "key-" + a + "-" + s);
                for (String def : defenses) {
                    for (var m : METRICS.entrySet()) {
                        Double v = values.get(def + "|" + a + "|" + s + "|" + m.getKey());
                        if (v == null) {
                            continue;
                        }
                        ObjectNode r = rows.addObject();
                        r.put("cellId", cellId);
                        r.put("dataset", dataset);
                        r.put("model", model);
                        r.put("attack", a);
                        r.put("poisonRate", rate);
                        r.put("seed", s);
                        r.put("defense", def);
                        r.put("evaluator", m.getValue()[0]);
                        r.put("metric", m.getValue()[1]);
                        r.put("value", v);
                    }
                    if (lmcCurves && (roles.containsKey(def) ? !roles.get(def).endsWith("_BASELINE") : !references.contains(def))) {
                        ObjectNode k = curves.addObject();
                        k.put("cellId", cellId);
                        k.put("defense", def);
                        k.put("evaluator", "lmc");
                        k.put("name", "backdoor-error");
                        ArrayNode x = k.putArray("x");
                        ArrayNode y = k.putArray("y");
                        for (int i = 0; i <= 4; i++) {
                            x.add(i / 4.0);
                            y.add(Math.min(1.0, i / 4.0 * (0.5 + 0.1 * s)));
                        }
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            ArrayNode list = d.putArray("failures");
            for (String[] f : failures) {
                ObjectNode n = list.addObject();
                n.put("cellId", dataset + "/" + model + "/" + f[2]);
                n.put("defense", f[0]);
                n.put("evaluator", f[1]);
                n.put("status", f[3]);
                n.put("reason", f[4]);
                ArrayNode log = n.putArray("logTail");
                for (int i = 5; i < f.length; i++) {
                    log.add(f[i]);
                }
            }
        }
        return d;
    }

    public String json() {
        return tree().toString();
    }

    public byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }

    private ObjectNode plugin(ArrayNode plugins, String kind, String id, boolean oracle, boolean reference) {
        ObjectNode n = plugins.addObject();
        n.put("kind", kind);
        n.put("id", id);
        n.put("version", "1.0.0");
        n.put("source", "classpath");
        n.putNull("sha256");
        n.put("oracle", oracle);
        n.put("reference", reference);
        String[] text = pluginText.get(id);
        if (text != null) {
            n.put("description", text[0]);
            n.put("paper", text[1]);
        }
        return n;
    }

    /**
     * A document shaped like the standard profile's (3 seeds, 2 attacks, 9 defenses) with
     * deterministic made-up values: the fixture of the browser test and the latency benchmark.
     */
    public static ResultsDocuments standardLike(String runId, long firstSeed, int seedCount) {
        ResultsDocuments d = run(runId);
        String[] defs = {"none", "clean", "ft", "ep", "ft-sam", "fst", "bti-dbf", "pam", "bti-sam"};
        double[] pAsr = {0.93, 0.02, 0.86, 0.17, 0.74, 0.18, 0.04, 0.09, 0.10};
        for (int i = 0; i < defs.length; i++) {
            for (String a : List.of("badnet", "blended")) {
                for (long s = firstSeed; s < firstSeed + seedCount; s++) {
                    double jitter = 0.002 * ((s * 7 + i * 3 + a.length()) % 5);
                    d.result(defs[i], a, s, 0.82 + jitter, Math.max(0, pAsr[i] - 0.05 + jitter), pAsr[i] + jitter);
                    d.value(defs[i], a, s, "qra-p-asr", Math.min(1, pAsr[i] * 0.8 + jitter));
                }
            }
        }
        return d;
    }
}
