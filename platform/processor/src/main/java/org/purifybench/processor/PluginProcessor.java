package org.purifybench.processor;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Filer;
import javax.annotation.processing.Messager;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamDefaults;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/**
 * Writes a plug-in jar's {@code META-INF/services/org.purifybench.spi.*} files and its descriptor
 * file {@code META-INF/purifybench/plugin.properties} from the {@link PurifyBenchPlugin}
 * annotations of one compilation, so the annotation is the only place a plug-in is declared. What
 * the host would refuse at load time (a class it cannot instantiate, a bad id, a default outside
 * its own range) is a compile error here, naming the class and the element.
 */
@SupportedAnnotationTypes("org.purifybench.spi.PurifyBenchPlugin")
public final class PluginProcessor extends AbstractProcessor {
    public static final String DESCRIPTOR_PATH = "META-INF/purifybench/plugin.properties";
    /** What a defense may never be given, whatever it declares (the host refuses these too). */
    private static final Set<Need> NEVER_FOR_DEFENSES = EnumSet.of(Need.TEST_DATA, Need.RETUNING_POOL);
    /** A metric name, or a family of them: {@code p-asr-from:*} is published once per source defense. */
    static final java.util.regex.Pattern METRIC = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]{0,63}(:\\*)?");

    private record Found(TypeElement type, PurifyBenchPlugin plugin) {
        String binaryName(javax.lang.model.util.Elements elements) {
            return elements.getBinaryName(type).toString();
        }
    }

    private final List<Found> found = new ArrayList<>();
    private boolean failed;

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (Element e : round.getElementsAnnotatedWith(PurifyBenchPlugin.class)) {
            if (!(e instanceof TypeElement type) || e.getKind() != ElementKind.CLASS) {
                error(e, null, "@PurifyBenchPlugin is on " + e.getKind().toString().toLowerCase(Locale.ROOT) + " " + e
                        + ", which is not a class: put it on the plug-in's class");
                continue;
            }
            PurifyBenchPlugin plugin = type.getAnnotation(PurifyBenchPlugin.class);
            if (check(type, plugin)) {
                found.add(new Found(type, plugin));
            }
        }
        if (round.processingOver() && !failed && !found.isEmpty()) {
            checkDuplicates();
            if (!failed) {
                write();
            }
        }
        return true;
    }

    /** Checks one annotated class; reports every problem it finds, true when there is none. */
    private boolean check(TypeElement type, PurifyBenchPlugin p) {
        boolean ok = true;
        String cls = type.getQualifiedName().toString();
        Kind kind = p.kind();
        String iface = serviceName(kind);
        TypeElement ifaceType = processingEnv.getElementUtils().getTypeElement(iface);
        if (ifaceType != null && !processingEnv.getTypeUtils().isAssignable(processingEnv.getTypeUtils().erasure(type.asType()),
                processingEnv.getTypeUtils().erasure(ifaceType.asType()))) {
            ok = error(type, "kind", cls + " is declared kind = " + kind + " but does not implement " + iface
                    + ": implement it, or declare the kind it does implement");
        }
        if (type.getModifiers().contains(Modifier.ABSTRACT)) {
            ok = error(type, null, cls + " is abstract: the host instantiates a plug-in's class, so annotate a concrete class");
        }
        if (!type.getModifiers().contains(Modifier.PUBLIC)) {
            ok = error(type, null, cls + " is not public: the host's ServiceLoader instantiates only public classes");
        }
        if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
            ok = error(type, null, cls + " is an inner (non-static) class: make it static so the host can instantiate it");
        } else if (type.getNestingKind() == NestingKind.LOCAL || type.getNestingKind() == NestingKind.ANONYMOUS) {
            ok = error(type, null, cls + " is a local class: declare the plug-in as a top-level or static nested class");
        }
        boolean noArg = false;
        for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
            if (c.getParameters().isEmpty() && c.getModifiers().contains(Modifier.PUBLIC)) {
                noArg = true;
            }
        }
        if (!noArg) {
            ok = error(type, null, cls + " has no public no-argument constructor: add one (the host instantiates plug-ins with it)");
        }
        if (!PluginDescriptor.ID.matcher(p.id()).matches()) {
            ok = error(type, "id", cls + ": id '" + p.id() + "' is not a valid plug-in id: ids match " + PluginDescriptor.ID.pattern());
        }
        if (p.version().isBlank()) {
            ok = error(type, "version", cls + ": version is empty: give the plug-in's own version, e.g. 1.0.0");
        }
        if (p.description().isBlank()) {
            ok = error(type, "description", cls + ": description is empty: one line saying what the plug-in does (purifybench list shows it)");
        }
        if (kind == Kind.DEFENSE) {
            for (Need n : p.needs()) {
                if (NEVER_FOR_DEFENSES.contains(n)) {
                    ok = error(type, "needs", cls + ": needs " + n + ", which a defense may never have: test data and the retuning pool"
                            + " are the evaluators'");
                }
            }
        }
        Set<Need> needs = EnumSet.noneOf(Need.class);
        for (Need n : p.needs()) {
            if (!needs.add(n)) {
                ok = error(type, "needs", cls + ": needs lists " + n + " twice: name each need once");
            }
        }
        if (kind != Kind.DEFENSE && p.role() != Role.PURIFIER) {
            ok = error(type, "role", cls + ": role = " + p.role() + " on a " + kind.name().toLowerCase(Locale.ROOT)
                    + ": only defenses have a role; remove it");
        }
        if (kind != Kind.EVALUATOR && p.metrics().length > 0) {
            ok = error(type, "metrics", cls + ": metrics on a " + kind.name().toLowerCase(Locale.ROOT)
                    + ": only evaluators publish metrics; remove it");
        }
        if (kind != Kind.EVALUATOR && p.needsRoles().length > 0) {
            ok = error(type, "needsRoles", cls + ": needsRoles on a " + kind.name().toLowerCase(Locale.ROOT)
                    + ": only evaluators ask for other defenses' models; remove it");
        }
        Set<String> metrics = new HashSet<>();
        for (String m : p.metrics()) {
            if (!METRIC.matcher(m).matches()) {
                ok = error(type, "metrics", cls + ": metric name '" + m + "' must match " + METRIC.pattern()
                        + " (a trailing ':*' stands for one metric per other defense, e.g. p-asr-from:*)");
            } else if (!metrics.add(m)) {
                ok = error(type, "metrics", cls + ": metric '" + m + "' is listed twice");
            }
        }
        Set<String> names = new HashSet<>();
        for (Param param : p.params()) {
            String where = cls + ": parameter '" + param.name() + "'";
            if (!ParamSpec.NAME.matcher(param.name()).matches()) {
                ok = error(type, "params", where + " has an invalid name: parameter names match " + ParamSpec.NAME.pattern());
                continue;
            }
            if (!names.add(param.name())) {
                ok = error(type, "params", where + " is declared twice: declare each parameter once");
            }
            if (param.description().isBlank()) {
                ok = error(type, "params", where + " has no description: one line for purifybench list --params");
            }
            if (param.min() > param.max()) {
                ok = error(type, "params", where + " has min " + param.min() + " > max " + param.max());
            }
            String problem = ParamDefaults.problem(ParamSpec.of(param));
            if (problem != null) {
                ok = error(type, "params", where + ": default '" + param.defaultValue() + "' " + problem);
            }
        }
        return ok;
    }

    private void checkDuplicates() {
        Map<String, Found> byId = new HashMap<>();
        for (Found f : found) {
            String key = f.plugin().kind().name().toLowerCase(Locale.ROOT) + " '" + f.plugin().id() + "'";
            Found other = byId.putIfAbsent(key, f);
            if (other != null) {
                error(f.type(), "id", f.type().getQualifiedName() + " declares " + key + ", which "
                        + other.type().getQualifiedName() + " declares too: give each plug-in its own id");
            }
        }
    }

    private void write() {
        var elements = processingEnv.getElementUtils();
        List<Found> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparing((Found f) -> f.plugin().kind()).thenComparing(f -> f.plugin().id()));
        Element[] origins = sorted.stream().map(Found::type).toArray(Element[]::new);
        Map<Kind, Set<String>> services = new TreeMap<>();
        StringBuilder props = new StringBuilder();
        props.append("# Written by the PurifyBench annotation processor from @PurifyBenchPlugin; do not edit.\n");
        props.append("spi-version = ").append(SpiVersion.CURRENT).append('\n');
        for (Found f : sorted) {
            PurifyBenchPlugin p = f.plugin();
            services.computeIfAbsent(p.kind(), k -> new TreeSet<>()).add(f.binaryName(elements));
            String prefix = p.kind().name().toLowerCase(Locale.ROOT) + "." + p.id() + ".";
            line(props, prefix + "class", f.binaryName(elements));
            line(props, prefix + "version", p.version().strip());
            line(props, prefix + "needs", Arrays.stream(p.needs()).sorted().map(Need::name).collect(Collectors.joining(", ")));
            line(props, prefix + "description", p.description().strip());
            if (!p.paper().isBlank()) {
                line(props, prefix + "paper", p.paper().strip());
            }
            if (p.kind() == Kind.DEFENSE) {
                line(props, prefix + "role", p.role().name());
            }
            if (p.metrics().length > 0) {
                line(props, prefix + "metrics", String.join(", ", p.metrics()));
            }
            if (p.needsRoles().length > 0) {
                line(props, prefix + "needs-roles", Arrays.stream(p.needsRoles()).sorted().distinct().map(Role::name)
                        .collect(Collectors.joining(", ")));
            }
            // all its parameters, possibly none: the host refuses any other key
            line(props, prefix + "params-declared", "true");
            for (Param param : p.params()) {
                String pp = prefix + "param." + param.name() + ".";
                line(props, pp + "type", param.type().name());
                line(props, pp + "default", param.defaultValue().strip());
                if (param.min() != Double.NEGATIVE_INFINITY) {
                    line(props, pp + "min", number(param.min()));
                }
                if (param.max() != Double.POSITIVE_INFINITY) {
                    line(props, pp + "max", number(param.max()));
                }
                if (param.choices().length > 0) {
                    line(props, pp + "choices", String.join(", ", param.choices()));
                }
                if (param.perAttack()) {
                    line(props, pp + "per-attack", "true");
                }
                line(props, pp + "description", param.description().strip());
                if (!param.source().isBlank()) {
                    line(props, pp + "source", param.source().strip());
                }
            }
        }
        Filer filer = processingEnv.getFiler();
        try {
            writeResource(filer, DESCRIPTOR_PATH, props.toString(), origins);
            for (var e : services.entrySet()) {
                writeResource(filer, "META-INF/services/" + serviceName(e.getKey()), String.join("\n", e.getValue()) + "\n", origins);
            }
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "cannot write the plug-in descriptor files: " + e.getMessage());
        }
    }

    private static void writeResource(Filer filer, String path, String text, Element[] origins) throws IOException {
        FileObject file = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, origins);
        try (Writer w = new java.io.OutputStreamWriter(file.openOutputStream(), StandardCharsets.UTF_8)) {
            w.write(text);
        }
    }

    /** A whole number without ".0" (min 0 rather than 0.0), otherwise Java's shortest round-trip form. */
    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(escape(key, true)).append(" = ").append(escape(value, false)).append('\n');
    }

    /** java.util.Properties escaping, keeping non-ASCII text as it is (the file is read as UTF-8). */
    static String escape(String s, boolean key) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\f' -> sb.append("\\f");
                case '=', ':', '#', '!' -> {
                    if (key) {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
                case ' ' -> sb.append(key || i == 0 ? "\\ " : " ");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    static String serviceName(Kind kind) {
        return switch (kind) {
            case ATTACK -> "org.purifybench.spi.Attack";
            case DEFENSE -> "org.purifybench.spi.Defense";
            case EVALUATOR -> "org.purifybench.spi.Evaluator";
        };
    }

    /** Reports an error on the annotation's element {@code member} (the class when null); returns false. */
    private boolean error(Element e, String member, String message) {
        failed = true;
        Messager m = processingEnv.getMessager();
        AnnotationMirror mirror = e.getAnnotationMirrors().stream()
                .filter(a -> a.getAnnotationType().toString().equals(PurifyBenchPlugin.class.getName())).findFirst().orElse(null);
        if (mirror == null) {
            m.printMessage(Diagnostic.Kind.ERROR, message, e);
            return false;
        }
        var value = member == null ? null : mirror.getElementValues().entrySet().stream()
                .filter(en -> en.getKey().getSimpleName().contentEquals(member)).map(Map.Entry::getValue).findFirst().orElse(null);
        if (value == null) {
            m.printMessage(Diagnostic.Kind.ERROR, message, e, mirror);
        } else {
            m.printMessage(Diagnostic.Kind.ERROR, message, e, mirror, value);
        }
        return false;
    }
}
