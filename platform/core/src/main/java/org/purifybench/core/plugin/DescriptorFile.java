package org.purifybench.core.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.purifybench.core.UserException;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.ParamDefaults;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/**
 * The plug-in descriptor file every plug-in jar carries, {@value #PATH}: read as data before any
 * class of the jar is loaded. A {@code java.util.Properties} file (UTF-8) a plug-in author writes
 * from the plug-in's {@link org.purifybench.spi.PurifyBenchPlugin} annotation (the annotation processor
 * purifybench-processor writes it; it may also be written by hand), one block of lines per plug-in
 * the jar provides:
 *
 * <pre>
 * spi-version = 1
 * defense.my-defense.class       = com.example.MyDefense
 * defense.my-defense.version     = 1.0.0
 * defense.my-defense.needs       = CLEAN_TUNING_DATA, VALIDATION_DATA
 * defense.my-defense.description = Fine-tuning on the clean tuning set
 * defense.my-defense.paper       = Liu et al., Fine-Pruning, RAID 2018   (optional)
 * defense.my-defense.role        = PURIFIER                              (optional, defenses)
 * defense.my-defense.param.epochs.type        = INT                      (one group per parameter)
 * defense.my-defense.param.epochs.default     = 10
 * defense.my-defense.param.epochs.min         = 0                        (optional; also .max)
 * defense.my-defense.param.epochs.description = training epochs
 * defense.my-defense.param.epochs.source      = ft.py                    (optional)
 * evaluator.my-eval.metrics      = c-acc, asr                            (optional, evaluators)
 * evaluator.my-eval.needs-roles  = ORACLE                                (optional, evaluators)
 * defense.my-defense.params-declared = true                              (optional)
 * </pre>
 *
 * The key's first part is the kind ({@code attack}, {@code defense}, {@code evaluator}), the second
 * the plug-in's id. {@code class}, {@code version}, {@code needs} (comma-separated {@link Need}
 * names; empty for none) and {@code description} are required, {@code paper} is optional.
 * {@code role} (a {@link Role}; {@code PURIFIER} when absent) is for defenses only, {@code metrics}
 * and {@code needs-roles} (comma-separated) for evaluators only. Each parameter has
 * {@code param.NAME.type} (a {@link ParamType}), {@code .default} and {@code .description}, and
 * optionally {@code .min}, {@code .max}, {@code .choices} (comma-separated), {@code .per-attack}
 * ({@code true} or {@code false}) and {@code .source}; parameters keep the order of their first
 * line. {@code params-declared = true} (the processor always writes it) says the parameters listed
 * are all the plug-in takes, possibly none, so the host refuses any other; without it and without
 * parameters the file predates declared parameters and a matrix's parameters pass unchecked. For a third-party jar this file is all the harness ever knows of the plug-in: the harness
 * never loads the jar's classes ({@link PluginRegistry} makes a stand-in from
 * {@link Declared#descriptor()}), and the sandbox child checks that the class's own
 * {@link PluginDescriptor} says the same kind, id, version, needs, role and parameters. Unknown and
 * repeated keys are refused (a typo must not pass silently).
 */
public record DescriptorFile(int spiVersion, List<Declared> plugins) {
    public static final String PATH = "META-INF/purifybench/plugin.properties";
    private static final Pattern KEY = Pattern.compile("(attack|defense|evaluator)\\.([^.]+)\\."
            + "(class|version|needs|description|paper|role|metrics|needs-roles|params-declared|param\\.[^.]+\\.(?:type|default|min|max|choices|per-attack|description|source))");
    private static final Pattern PARAM_KEY = Pattern.compile("param\\.([^.]+)\\.([a-z-]+)");
    /** The most characters of a plug-in's description (or paper) that {@code list} and {@code admit} show. */
    public static final int MAX_SHOWN = 400;

    /**
     * A plug-in's text as {@code list} and {@code admit} show it: a jar's author wrote it, so control
     * characters (terminal escapes, line breaks) and invisible formatting characters (bidirectional
     * overrides) are written as {@code \\uXXXX} and anything longer
     * than {@link #MAX_SHOWN} characters is cut, saying how long it was. Null stays null.
     */
    public static String shown(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 40);
        int[] points = text.codePoints().toArray();
        for (int i = 0; i < Math.min(points.length, MAX_SHOWN); i++) {
            if (Character.isISOControl(points[i]) || invisible(points[i])) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", points[i]));
            } else {
                sb.appendCodePoint(points[i]);
            }
        }
        if (points.length > MAX_SHOWN) {
            sb.append(String.format(Locale.ROOT, "... (%,d characters in all)", points.length));
        }
        return sb.toString();
    }

    /** Formatting and separator characters a terminal does not show as themselves (e.g. U+202E, which reverses the text after it). */
    private static boolean invisible(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** What a defense may never be given, whatever it declares. */
    private static final Set<Need> NEVER_FOR_DEFENSES = Set.of(Need.TEST_DATA, Need.RETUNING_POOL);
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    /**
     * One plug-in the file declares.
     *
     * @param needs       what it declares it needs from its context
     * @param description one line for {@code purifybench list} and the website
     * @param paper       reference of the method (may be empty)
     * @param role        defenses: what its model means ({@link Role#PURIFIER} when the file does not say)
     * @param metrics     evaluators: the metric names it publishes
     * @param needsRoles  evaluators: roles whose models it asks for
     * @param params      its declared parameters, in the file's order
     */
    public record Declared(Kind kind, String id, String className, String version, Set<Need> needs, String description, String paper,
                           Role role, List<String> metrics, Set<Role> needsRoles, List<ParamSpec> params, boolean paramsDeclared) {
        public Declared {
            needs = Set.copyOf(needs);
            paper = paper == null ? "" : paper;
            role = role == null ? Role.PURIFIER : role;
            metrics = List.copyOf(metrics == null ? List.of() : metrics);
            needsRoles = Set.copyOf(needsRoles == null ? Set.of() : needsRoles);
            params = List.copyOf(params == null ? List.of() : params);
            paramsDeclared = paramsDeclared || !params.isEmpty();
        }

        /**
         * As the canonical constructor; a declaration that lists parameters declares them, one that lists none
         * says nothing about them (a hand-written file from before declared parameters).
         */
        public Declared(Kind kind, String id, String className, String version, Set<Need> needs, String description, String paper,
                        Role role, List<String> metrics, Set<Role> needsRoles, List<ParamSpec> params) {
            this(kind, id, className, version, needs, description, paper, role, metrics, needsRoles, params, false);
        }

        /** A declaration without role, metrics or parameters (what a file without those keys says). */
        public Declared(Kind kind, String id, String className, String version, Set<Need> needs, String description, String paper) {
            this(kind, id, className, version, needs, description, paper, Role.PURIFIER, List.of(), Set.of(), List.of());
        }

        /** The plug-in's descriptor as the file declares it (what the harness uses for a jar plug-in). */
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(kind, id, version, description, paper, needs, SpiVersion.CURRENT, role, metrics, needsRoles, params);
        }

        /** The key prefix of its lines, e.g. {@code defense.my-defense}. */
        public String prefix() {
            return kind.name().toLowerCase(Locale.ROOT) + "." + id;
        }

        /**
         * What {@code actual} (the class's own descriptor) says differently from this declaration, in
         * kind, id, version, needs, role, metrics, needed roles, parameters (all but their description
         * and source) or SPI version (description and paper are not compared: the file's are shown);
         * null when they agree. Each difference reads "descriptor() says X, plugin.properties says Y".
         */
        public String mismatch(PluginDescriptor actual) {
            if (actual == null) {
                return className + ".descriptor() returned null";
            }
            List<String> diffs = new ArrayList<>();
            if (actual.kind() != kind) {
                diffs.add("descriptor() says kind " + actual.kind().name().toLowerCase(Locale.ROOT) + ", plugin.properties says "
                        + kind.name().toLowerCase(Locale.ROOT));
            }
            if (!actual.id().equals(id)) {
                diffs.add("descriptor() says id '" + actual.id() + "', plugin.properties says '" + id + "'");
            }
            if (!actual.version().equals(version)) {
                diffs.add("descriptor() says version " + actual.version() + ", plugin.properties says " + version);
            }
            if (!actual.needs().equals(needs)) {
                diffs.add("descriptor() says needs " + names(actual.needs()) + ", plugin.properties says " + prefix() + ".needs = " + names(needs));
            }
            if (actual.role() != role) {
                diffs.add("descriptor() says role " + actual.role() + ", plugin.properties says " + prefix() + ".role = " + role);
            }
            if (!actual.metrics().equals(metrics)) {
                diffs.add("descriptor() says metrics " + actual.metrics() + ", plugin.properties says " + metrics);
            }
            if (!actual.needsRoles().equals(needsRoles)) {
                diffs.add("descriptor() says needed roles " + actual.needsRoles() + ", plugin.properties says " + needsRoles);
            }
            String params = paramMismatch(actual.params());
            if (params != null) {
                diffs.add(params);
            }
            if (actual.spiVersion() != SpiVersion.CURRENT) {
                diffs.add("descriptor() says SPI " + actual.spiVersion() + ", this host speaks SPI " + SpiVersion.CURRENT);
            }
            return diffs.isEmpty() ? null : className + ": " + String.join("; ", diffs);
        }

        private String paramMismatch(List<ParamSpec> actual) {
            List<String> actualNames = actual.stream().map(ParamSpec::name).toList();
            List<String> declaredNames = params.stream().map(ParamSpec::name).toList();
            if (!new HashSet<>(actualNames).equals(new HashSet<>(declaredNames))) {
                return "descriptor() says parameters " + actualNames + ", plugin.properties says " + declaredNames;
            }
            for (ParamSpec a : actual) {
                ParamSpec d = params.get(declaredNames.indexOf(a.name()));
                if (!comparable(a).equals(comparable(d))) {
                    return "descriptor() says parameter " + a.name() + " is " + comparable(a) + ", plugin.properties says " + comparable(d);
                }
            }
            return null;
        }

        /** What the host acts on: type, default, range, choices and per-attack (not the texts for people). */
        private static String comparable(ParamSpec p) {
            return p.type() + " default '" + p.defaultValue().strip() + "' in [" + p.min() + ", " + p.max() + "]"
                    + (p.choices().isEmpty() ? "" : " or " + p.choices()) + (p.perAttack() ? " per attack" : "");
        }

        /** The class file of the plug-in in the jar. */
        public String classEntry() {
            return className.replace('.', '/') + ".class";
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + " '" + id + "' version " + version + " (" + className + ")";
        }
    }

    public DescriptorFile {
        plugins = List.copyOf(plugins);
    }

    /** The SPI interface plug-ins of {@code kind} implement: its binary name is the name of their services file. */
    public static Class<? extends Plugin> serviceType(Kind kind) {
        return switch (kind) {
            case ATTACK -> Attack.class;
            case DEFENSE -> Defense.class;
            case EVALUATOR -> Evaluator.class;
        };
    }

    public List<Declared> ofKind(Kind kind) {
        return plugins.stream().filter(p -> p.kind() == kind).toList();
    }

    public Optional<Declared> forClass(String className) {
        return plugins.stream().filter(p -> p.className().equals(className)).findFirst();
    }

    /**
     * The descriptor file of a class folder or jar (a plug-in's location on a class path), if it has
     * one. Unlike {@link JarAdmission} this does not check the jar as a whole: it is for code that is
     * already on the class path (built-in plug-ins, a plug-in project's {@code target/classes}).
     *
     * @throws UserException when the file is there but cannot be read or is not a valid descriptor
     */
    public static Optional<DescriptorFile> at(Path location) {
        try {
            byte[] bytes = null;
            if (Files.isDirectory(location)) {
                Path f = location.resolve(PATH);
                if (Files.isRegularFile(f)) {
                    if (Files.size(f) > JarLimits.DEFAULTS.maxDescriptorBytes()) {
                        throw new JarProblem(PATH + " is larger than " + JarLimits.DEFAULTS.maxDescriptorBytes() + " bytes",
                                "descriptor, manifest and services files are a few lines");
                    }
                    bytes = Files.readAllBytes(f);
                }
            } else if (Files.isRegularFile(location)) {
                try (ZipFile zip = new ZipFile(location.toFile())) {
                    ZipEntry e = zip.getEntry(PATH);
                    if (e != null) {
                        try (InputStream in = zip.getInputStream(e)) {
                            bytes = in.readNBytes(JarLimits.DEFAULTS.maxDescriptorBytes() + 1);
                        }
                    }
                }
            }
            return bytes == null ? Optional.empty() : Optional.of(parse(bytes));
        } catch (IOException e) {
            throw new UserException("cannot read the plug-in descriptor of " + location + " (" + e.getMessage() + ")", "check the installation");
        } catch (JarProblem p) {
            throw new UserException(location + ": " + p.getMessage(), p.fix());
        }
    }

    /**
     * Parses and checks the file. The SPI version is checked first, so a file written for another
     * SPI is refused for that reason, whatever else it holds.
     */
    static DescriptorFile parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new JarProblem(PATH + " is not UTF-8 text", "write the descriptor as a UTF-8 properties file");
        }
        List<String> repeated = new ArrayList<>();
        List<String> order = new ArrayList<>();
        Properties props = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                if (containsKey(key)) {
                    repeated.add(String.valueOf(key));
                } else {
                    order.add(String.valueOf(key));
                }
                return super.put(key, value);
            }
        };
        try {
            props.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new JarProblem(PATH + " cannot be read as a properties file (" + e.getMessage() + ")",
                    "write it as 'key = value' lines, see docs/architecture.md, section Plug-in jars (third-party)");
        }
        String spi = props.getProperty("spi-version");
        if (spi == null || spi.isBlank()) {
            throw new JarProblem(PATH + " has no spi-version", "add 'spi-version = " + SpiVersion.CURRENT + "' to it");
        }
        int spiVersion;
        try {
            spiVersion = Integer.parseInt(spi.strip());
        } catch (NumberFormatException e) {
            throw new JarProblem(PATH + " has spi-version '" + spi.strip() + "', not a number",
                    "write 'spi-version = " + SpiVersion.CURRENT + "'");
        }
        if (spiVersion != SpiVersion.CURRENT) {
            throw new JarProblem("it was built for SPI " + spiVersion + ", this host speaks SPI " + SpiVersion.CURRENT,
                    "rebuild the plug-in against purifybench-spi of this release and set spi-version = " + SpiVersion.CURRENT);
        }
        if (!repeated.isEmpty()) {
            throw new JarProblem(PATH + " sets " + String.join(", ", repeated) + " more than once", "keep one line per key");
        }
        Map<String, Map<String, String>> blocks = new TreeMap<>();
        for (String key : order) {
            if (key.equals("spi-version")) {
                continue;
            }
            Matcher m = KEY.matcher(key);
            if (!m.matches()) {
                throw new JarProblem(PATH + " has an unknown key '" + key + "'",
                        "keys are spi-version and KIND.ID.class, .version, .needs, .description, .paper, .role, .metrics, .needs-roles, .params-declared and"
                                + " KIND.ID.param.NAME.type, .default, .min, .max, .choices, .per-attack, .description, .source;"
                                + " KIND one of attack, defense, evaluator");
            }
            blocks.computeIfAbsent(m.group(1) + "." + m.group(2), k -> new LinkedHashMap<>()).put(m.group(3), props.getProperty(key).strip());
        }
        if (blocks.isEmpty()) {
            throw new JarProblem(PATH + " declares no plug-in",
                    "add KIND.ID.class, .version, .needs and .description lines, e.g. defense.my-defense.class = com.example.MyDefense");
        }
        List<Declared> plugins = new ArrayList<>();
        Set<String> classes = new HashSet<>();
        for (var block : blocks.entrySet()) {
            String kindName = block.getKey().substring(0, block.getKey().indexOf('.'));
            String id = block.getKey().substring(kindName.length() + 1);
            String className = block.getValue().get("class");
            String version = block.getValue().get("version");
            if (!PluginDescriptor.ID.matcher(id).matches()) {
                throw new JarProblem(PATH + " declares the id '" + id + "', which is not a valid plug-in id",
                        "ids match " + PluginDescriptor.ID.pattern());
            }
            if (className == null || className.isEmpty() || version == null || version.isEmpty()) {
                throw new JarProblem(PATH + " lacks " + block.getKey() + (className == null || className.isEmpty() ? ".class" : ".version"),
                        "give every plug-in a class, version, needs and description line");
            }
            String needsText = block.getValue().get("needs");
            if (needsText == null) {
                throw new JarProblem(PATH + " lacks " + block.getKey() + ".needs",
                        "add '" + block.getKey() + ".needs = ' with the needs its descriptor() declares, comma-separated (e.g. CLEAN_TUNING_DATA,"
                                + " VALIDATION_DATA), or nothing after '=' for none: the harness reads them here, without loading the class");
            }
            String description = block.getValue().get("description");
            if (description == null || description.isEmpty()) {
                throw new JarProblem(PATH + " lacks " + block.getKey() + ".description",
                        "add '" + block.getKey() + ".description = ' and one line saying what the plug-in does (purifybench list shows it)");
            }
            Kind kind = Kind.valueOf(kindName.toUpperCase(Locale.ROOT));
            Set<Need> needs = parseNeeds(block.getKey() + ".needs", needsText);
            if (kind == Kind.DEFENSE) {
                for (Need n : NEVER_FOR_DEFENSES) {
                    if (needs.contains(n)) {
                        throw new JarProblem(PATH + " has " + block.getKey() + ".needs with " + n + ", which a defense may never have",
                                "remove " + n + " from " + block.getKey() + ".needs (and from its descriptor()): test data and the retuning"
                                        + " pool are the evaluators'");
                    }
                }
            }
            if (!CLASS_NAME.matcher(className).matches()) {
                throw new JarProblem(PATH + " names the class '" + className + "', which is not a Java class name",
                        "use the class's binary name, e.g. com.example.MyDefense");
            }
            if (!classes.add(className)) {
                throw new JarProblem(PATH + " declares the class " + className + " for more than one plug-in",
                        "one class per plug-in");
            }
            Map<String, String> b = block.getValue();
            String prefix = block.getKey();
            Role role = Role.PURIFIER;
            if (b.containsKey("role")) {
                if (kind != Kind.DEFENSE) {
                    throw new JarProblem(PATH + " has " + prefix + ".role, but only defenses have a role", "remove the line");
                }
                role = parseEnum(Role.class, prefix + ".role", b.get("role"));
            }
            List<String> metrics = List.of();
            Set<Role> needsRoles = Set.of();
            for (String k : List.of("metrics", "needs-roles")) {
                if (b.containsKey(k) && kind != Kind.EVALUATOR) {
                    throw new JarProblem(PATH + " has " + prefix + "." + k + ", but only evaluators have " + k, "remove the line");
                }
            }
            if (b.containsKey("metrics")) {
                metrics = list(b.get("metrics"));
                if (new HashSet<>(metrics).size() != metrics.size()) {
                    throw new JarProblem(PATH + " has " + prefix + ".metrics = " + b.get("metrics") + ", which lists a metric twice",
                            "name each metric once");
                }
            }
            if (b.containsKey("needs-roles")) {
                Set<Role> roles = EnumSet.noneOf(Role.class);
                for (String r : list(b.get("needs-roles"))) {
                    roles.add(parseEnum(Role.class, prefix + ".needs-roles", r));
                }
                needsRoles = roles;
            }
            boolean paramsDeclared = false;
            if (b.containsKey("params-declared")) {
                if (!b.get("params-declared").strip().equals("true")) {
                    throw new JarProblem(PATH + " has " + prefix + ".params-declared = " + b.get("params-declared") + ", which is not true",
                            "write 'true' (the plug-in declares all its parameters, possibly none) or remove the line");
                }
                paramsDeclared = true;
            }
            plugins.add(new Declared(kind, id, className, version, needs, description, b.get("paper"), role, metrics, needsRoles,
                    params(prefix, b), paramsDeclared));
        }
        plugins.sort(Comparator.comparing(Declared::kind).thenComparing(Declared::id));
        return new DescriptorFile(spiVersion, plugins);
    }

    /** The parameters of one block, in the order of their first line. */
    private static List<ParamSpec> params(String prefix, Map<String, String> block) {
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (var e : block.entrySet()) {
            Matcher m = PARAM_KEY.matcher(e.getKey());
            if (m.matches()) {
                byName.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(m.group(2), e.getValue());
            }
        }
        List<ParamSpec> params = new ArrayList<>();
        for (var e : byName.entrySet()) {
            String key = prefix + ".param." + e.getKey();
            Map<String, String> f = e.getValue();
            for (String required : List.of("type", "default", "description")) {
                if (!f.containsKey(required)) {
                    throw new JarProblem(PATH + " lacks " + key + "." + required,
                            "give every parameter a .type, .default and .description line (the annotation processor writes them)");
                }
            }
            String perAttack = f.getOrDefault("per-attack", "false");
            if (!perAttack.equals("true") && !perAttack.equals("false")) {
                throw new JarProblem(PATH + " has " + key + ".per-attack = " + perAttack, "write true or false");
            }
            ParamSpec spec;
            try {
                spec = new ParamSpec(e.getKey(), parseEnum(ParamType.class, key + ".type", f.get("type")), f.get("default"),
                        bound(key + ".min", f.get("min"), Double.NEGATIVE_INFINITY), bound(key + ".max", f.get("max"), Double.POSITIVE_INFINITY),
                        f.containsKey("choices") ? list(f.get("choices")) : List.of(), perAttack.equals("true"), f.get("description"),
                        f.get("source"));
            } catch (IllegalArgumentException ex) {
                throw new JarProblem(PATH + " declares an invalid parameter: " + ex.getMessage(), "parameter names match " + ParamSpec.NAME.pattern());
            }
            String problem = ParamDefaults.problem(spec);
            if (problem != null) {
                throw new JarProblem(PATH + " has " + key + ".default = " + spec.defaultValue() + ", which " + problem,
                        "make the default a value the parameter accepts");
            }
            params.add(spec);
        }
        return params;
    }

    private static double bound(String key, String text, double none) {
        if (text == null) {
            return none;
        }
        try {
            double d = Double.parseDouble(text);
            if (!Double.isNaN(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new JarProblem(PATH + " has " + key + " = " + text + ", not a number", "write a number, or leave the line out for no bound");
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(text.strip())) {
                return e;
            }
        }
        throw new JarProblem(PATH + " has " + key + " = " + text + ": '" + text.strip() + "' is not a " + type.getSimpleName(),
                "write one of " + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(java.util.stream.Collectors.joining(", ")));
    }

    /** Comma-separated words, blanks dropped. */
    private static List<String> list(String text) {
        return Arrays.stream(text.split(",", -1)).map(String::strip).filter(w -> !w.isEmpty()).toList();
    }

    /** Comma-separated {@link Need} names (spaces allowed; empty for none), each once. */
    private static Set<Need> parseNeeds(String key, String text) {
        Set<Need> needs = EnumSet.noneOf(Need.class);
        if (text.isBlank()) {
            return needs;
        }
        for (String part : text.split(",", -1)) {
            String name = part.strip();
            Need need = Arrays.stream(Need.values()).filter(n -> n.name().equals(name)).findFirst().orElse(null);
            if (need == null) {
                throw new JarProblem(PATH + " has " + key + " = " + text + ": '" + name + "' is not a need",
                        "write the needs comma-separated from " + names(EnumSet.allOf(Need.class)) + " (nothing after '=' for none)");
            }
            if (!needs.add(need)) {
                throw new JarProblem(PATH + " has " + key + " = " + text + ": it lists " + name + " twice", "name each need once");
            }
        }
        return needs;
    }

    /** Needs in enum order, comma-separated ("none" when empty). */
    static String names(Set<Need> needs) {
        if (needs.isEmpty()) {
            return "(none)";
        }
        return String.join(", ", EnumSet.copyOf(needs).stream().map(Need::name).toList());
    }
}
