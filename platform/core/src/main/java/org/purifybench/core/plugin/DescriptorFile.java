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
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/**
 * The plug-in descriptor file every plug-in jar carries, {@value #PATH}: read as data before any
 * class of the jar is loaded. A {@code java.util.Properties} file (UTF-8) a plug-in author writes
 * by hand, one block of two lines per plug-in the jar provides:
 *
 * <pre>
 * spi-version = 1
 * defense.my-defense.class   = com.example.MyDefense
 * defense.my-defense.version = 1.0.0
 * </pre>
 *
 * The key's first part is the kind ({@code attack}, {@code defense}, {@code evaluator}), the second
 * the plug-in's id; once loaded, the class's {@link PluginDescriptor} must say the same kind, id and
 * version. Unknown and repeated keys are refused (a typo must not pass silently).
 */
public record DescriptorFile(int spiVersion, List<Declared> plugins) {
    public static final String PATH = "META-INF/purifybench/plugin.properties";
    private static final Pattern KEY = Pattern.compile("(attack|defense|evaluator)\\.([^.]+)\\.(class|version)");
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    /** One plug-in the file declares. */
    public record Declared(Kind kind, String id, String className, String version) {
        /** The name of its class file in the jar. */
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
        Properties props = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                if (containsKey(key)) {
                    repeated.add(String.valueOf(key));
                }
                return super.put(key, value);
            }
        };
        try {
            props.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new JarProblem(PATH + " cannot be read as a properties file (" + e.getMessage() + ")",
                    "write it as 'key = value' lines, see the README's plug-in jar section");
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
        for (String key : props.stringPropertyNames()) {
            if (key.equals("spi-version")) {
                continue;
            }
            Matcher m = KEY.matcher(key);
            if (!m.matches()) {
                throw new JarProblem(PATH + " has an unknown key '" + key + "'",
                        "keys are spi-version, KIND.ID.class and KIND.ID.version, KIND one of attack, defense, evaluator");
            }
            blocks.computeIfAbsent(m.group(1) + "." + m.group(2), k -> new TreeMap<>()).put(m.group(3), props.getProperty(key).strip());
        }
        if (blocks.isEmpty()) {
            throw new JarProblem(PATH + " declares no plug-in",
                    "add KIND.ID.class and KIND.ID.version lines, e.g. defense.my-defense.class = com.example.MyDefense");
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
                        "give every plug-in both a class and a version line");
            }
            if (!CLASS_NAME.matcher(className).matches()) {
                throw new JarProblem(PATH + " names the class '" + className + "', which is not a Java class name",
                        "use the class's binary name, e.g. com.example.MyDefense");
            }
            if (!classes.add(className)) {
                throw new JarProblem(PATH + " declares the class " + className + " for more than one plug-in",
                        "one class per plug-in");
            }
            plugins.add(new Declared(Kind.valueOf(kindName.toUpperCase(Locale.ROOT)), id, className, version));
        }
        plugins.sort(Comparator.comparing(Declared::kind).thenComparing(Declared::id));
        return new DescriptorFile(spiVersion, plugins);
    }
}
