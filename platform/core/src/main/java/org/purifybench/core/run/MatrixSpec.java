package org.purifybench.core.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.purifybench.core.UserException;
import org.purifybench.core.data.SplitConfig;
import org.purifybench.spi.Params;
import org.purifybench.spi.TrainConfig;

/**
 * A matrix spec (YAML): the axes dataset x model x attack x poison rate x defense x seed and the
 * budgets. Unknown keys are errors, so a typo never silently falls back to a default.
 */
public record MatrixSpec(String name, String description, DatasetSpec dataset, SplitSpec splits, ModelSpecYaml model,
                         TrainingSpec training, List<PluginRef> attacks, List<Double> poisonRates, int targetLabel,
                         List<PluginRef> defenses, List<PluginRef> evaluators, List<Long> seeds,
                         List<String> approximations,
                         @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                         EngineSpec engine) {

    public MatrixSpec {
        // The default engine is written as no engine at all, so specs from before engines existed keep their hash and run id.
        if (engine != null && engine.isDefault()) {
            engine = null;
        }
    }

    /** A spec on the default engine (ND4J on the CPU). */
    public MatrixSpec(String name, String description, DatasetSpec dataset, SplitSpec splits, ModelSpecYaml model,
                      TrainingSpec training, List<PluginRef> attacks, List<Double> poisonRates, int targetLabel,
                      List<PluginRef> defenses, List<PluginRef> evaluators, List<Long> seeds, List<String> approximations) {
        this(name, description, dataset, splits, model, training, attacks, poisonRates, targetLabel, defenses, evaluators, seeds,
                approximations, null);
    }

    /**
     * The compute engine ({@code nd4j} or {@code pytorch}) and device ({@code cpu}, {@code cuda:N}).
     * Part of the config hash: a run's units all come from one engine. Absent means nd4j on the CPU.
     */
    public record EngineSpec(String id, String device) {
        public EngineSpec {
            id = id == null ? org.purifybench.core.model.ComputeEngine.DEFAULT : id;
            device = org.purifybench.core.model.Engines.normalizeDevice(device);
        }

        boolean isDefault() {
            return id.equals(org.purifybench.core.model.ComputeEngine.DEFAULT) && device.equals(org.purifybench.core.model.ComputeEngine.CPU);
        }
    }

    /** The engine this matrix runs on (the default when the spec names none). */
    public EngineSpec engineOrDefault() {
        return engine == null ? new EngineSpec(null, null) : engine;
    }

    /** This matrix on another engine or device (a different run: the engine is part of the run id). */
    public MatrixSpec withEngine(String id, String device) {
        EngineSpec now = engineOrDefault();
        EngineSpec e = new EngineSpec(id == null ? now.id() : id, device == null ? now.device() : device);
        return new MatrixSpec(name, description, dataset, splits, model, training, attacks, poisonRates, targetLabel,
                defenses, evaluators, seeds, approximations, e);
    }

    /**
     * {@code verified: true} (profiles of record) makes a run refuse data whose files do not match the
     * published checksums; absent means any readable copy will do (its status is still reported).
     */
    public record DatasetSpec(String id, String path, int trainLimit, int testLimit,
                              @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                              Boolean verified) {
        public DatasetSpec(String id, String path, int trainLimit, int testLimit) {
            this(id, path, trainLimit, testLimit, null);
        }

        public boolean requiresVerified() {
            return Boolean.TRUE.equals(verified);
        }
    }

    public record SplitSpec(double tuningFraction, double validationFraction, int retuningPoolSize) {
    }

    /**
     * The architecture; {@code inputSize} resizes images to N x N as the model's first op (the paper's
     * 224 for the pretrained ResNet-18); {@code pretrained} starts every model from stored weights
     * (see {@link PretrainedSpec}). Both are written only when set, so older specs keep their hash.
     */
    public record ModelSpecYaml(String arch, int width,
                                @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                Integer inputSize,
                                @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                PretrainedSpec pretrained) {
        public ModelSpecYaml(String arch, int width) {
            this(arch, width, null, null);
        }

        public int resizeTo() {
            return inputSize == null ? 0 : inputSize;
        }
    }

    /**
     * A pretrained backbone, named by the SHA-256 of the file its weights were imported from
     * ({@code purifybench weights import}); a prefix of at least 8 hex digits is accepted, as
     * torch.hub checks the prefix in a checkpoint's file name. Every parameter whose shape matches is
     * loaded; the classifier of another class count keeps its seeded initialisation.
     *
     * @param file   the file's usual name (for messages)
     * @param url    where the file is published (for messages: runs never download)
     * @param source what the weights are, e.g. torchvision's ResNet18_Weights.IMAGENET1K_V1
     */
    public record PretrainedSpec(String sha256, String file, String url, String source) {
    }

    /**
     * Backdoor and clean-model training. {@code augmentation} ({@code none} when absent, or
     * {@code crop-flip}) is part of the config and so of every model's cache key.
     */
    public record TrainingSpec(int epochs, int batchSize, double learningRate, double momentum, boolean nesterov,
                               double weightDecay, String schedule,
                               @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                               String augmentation) {
        public TrainConfig toConfig() {
            return new TrainConfig(epochs, batchSize, learningRate, momentum, nesterov, weightDecay, schedule,
                    TrainConfig.SGD, augmentation);
        }
    }

    /**
     * A configured plug-in. {@code poisonRates} (attacks only, optional) restricts an attack to some of
     * the matrix's rates, e.g. LC, which can poison no more images than the target class holds.
     */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record PluginRef(String id, Map<String, Object> params,
                            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                            List<Double> poisonRates) {

        /** Whether this attack runs at {@code rate}. */
        public boolean runsAt(double rate) {
            return poisonRates == null || poisonRates.contains(rate);
        }

        public Params toParams() {
            return new Params(params);
        }

        /** Id plus parameters, e.g. {@code ft{lr=0.05}}: identifies a configured plug-in in keys and logs. */
        public String label() {
            return params == null || params.isEmpty() ? id : id + new java.util.TreeMap<>(params);
        }
    }

    /** Where a user finds a complete spec: the source of the quick profile, shipped in the repository. */
    static final String EXAMPLE = "platform/core/src/main/resources/profiles/quick.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public static MatrixSpec load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new UserException("matrix file " + file + " does not exist", "pass an existing YAML file (" + EXAMPLE + " is a complete example) or a built-in profile: --profile quick");
        } catch (IOException e) {
            throw new UserException("cannot read matrix file " + file + ": " + e.getMessage(), "check the path and its permissions");
        }
    }

    /** A profile shipped inside the jar ({@code quick}, {@code standard}). */
    public static MatrixSpec profile(String name) {
        InputStream in = MatrixSpec.class.getResourceAsStream("/profiles/" + name + ".yaml");
        if (in == null) {
            throw new UserException("unknown profile '" + name + "'", "use one of: " + String.join(", ", profileNames()));
        }
        try (in) {
            return parse(in, "profile " + name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> profileNames() {
        return List.of("quick", "standard", "rates", "rho-sweep", "paper-cifar10-r18", "paper-cifar10-r18-rates", "paper-cifar10-r50",
                "paper-cifar10-d161", "paper-cifar100", "paper-tiny", "paper-rho");
    }

    static MatrixSpec parse(InputStream in, String where) throws IOException {
        byte[] yaml = in.readAllBytes();
        MatrixSpec spec;
        try {
            spec = YAML.readValue(yaml, MatrixSpec.class);
        } catch (UnrecognizedPropertyException e) {
            String parent = keyPath(e.getPath().subList(0, e.getPath().size() - 1));
            throw new UserException(where + ": unknown key '" + e.getPropertyName() + "'" + (parent.isEmpty() ? "" : " in " + parent)
                    + " at line " + e.getLocation().getLineNr(), "known keys here: " + e.getKnownPropertyIds());
        } catch (MismatchedInputException e) {
            throw missingValue(yaml, where, e);
        } catch (JsonProcessingException e) {
            throw invalid(where, e);
        }
        if (spec == null) {
            throw new UserException(where + " is empty", "see " + EXAMPLE + " for a complete example");
        }
        spec.validate(where);
        return spec;
    }

    /**
     * Jackson builds a record before it reports unknown keys, so a misspelled key of a nested record
     * first shows up as its correctly spelled key having no value: name the misspelled one if there is
     * one, else the key path that lacks a value or has a value of the wrong type.
     */
    private static UserException missingValue(byte[] yaml, String where, MismatchedInputException e) throws IOException {
        List<JsonMappingException.Reference> path = e.getPath();
        String key = keyPath(path);
        String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        Class<?> type = MatrixSpec.class;
        JsonNode node;
        try {
            node = YAML.readTree(yaml);
        } catch (JsonProcessingException notYaml) {
            // a syntax error later in the file: its line is the more useful one
            return invalid(where, notYaml);
        }
        for (JsonMappingException.Reference r : path.subList(0, Math.max(0, path.size() - 1))) {
            var component = r.getFieldName() == null || !type.isRecord() ? null
                    : Arrays.stream(type.getRecordComponents()).filter(c -> c.getName().equals(r.getFieldName())).findFirst().orElse(null);
            if (component == null) {
                type = null;
                break;
            }
            type = component.getType();
            node = node.path(r.getFieldName());
        }
        String field = path.isEmpty() ? null : path.get(path.size() - 1).getFieldName();
        if (field != null && node.isObject() && node.hasNonNull(field)) {
            return new UserException(where + ": " + key + " has a value of the wrong type" + line + ": " + e.getOriginalMessage(),
                    "see " + EXAMPLE + " for a complete example");
        }
        if (type != null && type.isRecord() && node.isObject() && !path.isEmpty()) {
            Set<String> known = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                    .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
            List<String> unknown = new java.util.ArrayList<>();
            node.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) {
                    unknown.add(f);
                }
            });
            if (!unknown.isEmpty()) {
                String parent = keyPath(path.subList(0, path.size() - 1));
                return new UserException(where + ": unknown key '" + unknown.get(0) + "'" + (parent.isEmpty() ? "" : " in " + parent)
                        + line + " (so " + key + " has no value)", "known keys here: " + known);
            }
        }
        return new UserException(where + ": " + (key.isEmpty() ? "a value" : key) + " is missing" + line,
                "give it a value; see " + EXAMPLE + " for a complete example");
    }

    private static UserException invalid(String where, JsonProcessingException e) {
        var loc = e.getLocation();
        return new UserException(where + " is not a valid matrix spec" + (loc == null ? "" : " (line " + loc.getLineNr()
                + ", column " + loc.getColumnNr() + ")") + ": " + oneLine(e.getOriginalMessage()),
                "fix the YAML; see " + EXAMPLE + " for a complete example");
    }

    /** SnakeYAML's messages quote the source over several lines, with a caret line: errors are one line. */
    private static String oneLine(String message) {
        return message == null ? "" : message.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.equals("^"))
                .collect(Collectors.joining(" "));
    }

    /** {@code training.batchSize}, {@code attacks[0].params}. */
    private static String keyPath(List<JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private void validate(String where) {
        require(name != null && name.matches("[A-Za-z0-9._-]+"), where, "name must be a simple word ([A-Za-z0-9._-])");
        require(dataset != null && dataset.id() != null, where, "dataset.id is required");
        require(model != null && model.arch() != null, where, "model.arch is required");
        require(model.inputSize() == null || model.inputSize() > 0, where, "model.inputSize must be positive (or absent)");
        require(model.pretrained() == null || (model.pretrained().sha256() != null
                && model.pretrained().sha256().matches("[0-9a-f]{8,64}")), where,
                "model.pretrained.sha256 must be 8 to 64 lower-case hex digits (the SHA-256 of the weights file, or its prefix)");
        require(training != null, where, "training is required");
        require(attacks != null && !attacks.isEmpty(), where, "attacks must list at least one attack");
        require(defenses != null && !defenses.isEmpty(), where, "defenses must list at least one defense");
        require(evaluators != null && !evaluators.isEmpty(), where, "evaluators must list at least one evaluator");
        require(seeds != null && !seeds.isEmpty(), where, "seeds must list at least one seed");
        require(poisonRates != null && !poisonRates.isEmpty(), where, "poisonRates must list at least one rate");
        for (double r : poisonRates) {
            require(r > 0 && r < 1, where, "poison rate " + r + " must be in (0,1)");
        }
        for (PluginRef a : attacks) {
            require(a.poisonRates() == null || (!a.poisonRates().isEmpty() && poisonRates.containsAll(a.poisonRates())), where,
                    "attack " + a.id() + ": its poisonRates " + a.poisonRates() + " must be a non-empty subset of the matrix's " + poisonRates);
        }
        for (PluginRef p : concat(defenses, evaluators)) {
            require(p.poisonRates() == null, where, p.id() + ": poisonRates belongs to attacks only");
        }
        try {
            training.toConfig();
            splitConfig();
        } catch (IllegalArgumentException e) {
            throw new UserException(where + ": " + e.getMessage(), "fix the training / splits section");
        }
    }

    private static List<PluginRef> concat(List<PluginRef> a, List<PluginRef> b) {
        List<PluginRef> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void require(boolean ok, String where, String what) {
        if (!ok) {
            throw new UserException(where + ": " + what, "see " + EXAMPLE + " for a complete example");
        }
    }

    public SplitConfig splitConfig() {
        SplitSpec s = splits == null ? new SplitSpec(0.05, 0.02, 1000) : splits;
        return new SplitConfig(s.tuningFraction(), s.validationFraction(), s.retuningPoolSize(), dataset.trainLimit());
    }

    /**
     * This matrix with other seeds (e.g. one seed of a three-seed profile for a first look). The
     * change is recorded among the approximations, so a report never passes for the full profile.
     */
    public MatrixSpec withSeeds(List<Long> newSeeds) {
        if (newSeeds == null || newSeeds.isEmpty()) {
            throw new UserException("--seeds needs at least one seed", "e.g. --seeds 0 or --seeds 0,1,2");
        }
        if (newSeeds.equals(seeds)) {
            return this;
        }
        List<String> approx = new java.util.ArrayList<>(approximationsOrEmpty());
        approx.add("seeds " + newSeeds + " chosen on the command line (" + name + " profile: " + seeds + ")");
        return new MatrixSpec(name, description, dataset, splits, model, training, attacks, poisonRates, targetLabel,
                defenses, evaluators, List.copyOf(newSeeds), approx, engine);
    }

    /**
     * A reduced run of this matrix, recorded as an approximation: backdoor and clean training cut to
     * {@code epochs}, and data accepted whatever its checksums (a generated stand-in, a subset), its
     * verification status still reported. For trying a profile of record end to end on a small machine.
     */
    public MatrixSpec reduced(int epochs) {
        if (epochs < 1) {
            throw new UserException("--reduced-epochs must be at least 1", "e.g. --reduced-epochs 2");
        }
        List<String> approx = new java.util.ArrayList<>(approximationsOrEmpty());
        TrainingSpec t = training;
        if (epochs < t.epochs()) {
            approx.add("reduced run: backdoor and clean training " + epochs + " epochs (" + name + " profile: " + t.epochs() + ")");
            t = new TrainingSpec(epochs, t.batchSize(), t.learningRate(), t.momentum(), t.nesterov(), t.weightDecay(), t.schedule(),
                    t.augmentation());
        }
        DatasetSpec d = dataset;
        if (d.requiresVerified()) {
            approx.add("reduced run: data not required to match the published checksums (" + name + " profile: verified " + d.id()
                    + "); the run log names the copy used and its status");
            d = new DatasetSpec(d.id(), d.path(), d.trainLimit(), d.testLimit(), null);
        }
        return new MatrixSpec(name, description, d, splits, model, t, attacks, poisonRates, targetLabel, defenses, evaluators, seeds,
                approx, engine);
    }

    /** This matrix with only {@code ids} as its attacks (recorded as an approximation). */
    public MatrixSpec withAttacks(List<String> ids) {
        List<PluginRef> chosen = new java.util.ArrayList<>();
        for (String id : ids) {
            chosen.add(attacks.stream().filter(a -> a.id().equals(id)).findFirst().orElseThrow(() -> new UserException(
                    "the matrix has no attack '" + id + "'", "choose among: " + attacks.stream().map(PluginRef::id).toList())));
        }
        if (chosen.equals(attacks)) {
            return this;
        }
        List<String> approx = new java.util.ArrayList<>(approximationsOrEmpty());
        approx.add("attacks " + ids + " chosen on the command line (" + name + " profile: " + attacks.stream().map(PluginRef::id).toList() + ")");
        java.util.Set<String> all = attacks.stream().map(PluginRef::id).collect(Collectors.toSet());
        return new MatrixSpec(name, description, dataset, splits, model, training, List.copyOf(chosen), poisonRates, targetLabel,
                perAttackFor(defenses, all, ids), perAttackFor(evaluators, all, ids), seeds, approx, engine);
    }

    /** {@code refs} with each per-attack parameter map (keyed by attack ids) keeping only the attacks in {@code kept}. */
    private static List<PluginRef> perAttackFor(List<PluginRef> refs, java.util.Set<String> attackIds, List<String> kept) {
        List<PluginRef> out = new java.util.ArrayList<>();
        for (PluginRef r : refs) {
            if (r.params() == null) {
                out.add(r);
                continue;
            }
            Map<String, Object> params = new java.util.LinkedHashMap<>();
            r.params().forEach((k, v) -> {
                if (v instanceof Map<?, ?> m && !m.isEmpty() && attackIds.containsAll(m.keySet())) {
                    Map<Object, Object> only = new java.util.LinkedHashMap<>();
                    m.forEach((a, x) -> {
                        if (kept.contains(a)) {
                            only.put(a, x);
                        }
                    });
                    if (!only.isEmpty()) {
                        // An emptied map (e.g. alpha: {lc: 0.1} without LC) means the default for every kept attack.
                        params.put(k, only);
                    }
                } else {
                    params.put(k, v);
                }
            });
            out.add(new PluginRef(r.id(), params, r.poisonRates()));
        }
        return out;
    }

    public List<String> approximationsOrEmpty() {
        return approximations == null ? List.of() : approximations;
    }

    /** Canonical JSON of the spec (sorted keys): the input of the config hash. */
    public JsonNode toJson() {
        return new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).valueToTree(this);
    }
}
