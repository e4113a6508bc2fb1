package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Kind;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.tck.ConformanceKit;
import org.purifybench.tck.DefenseConformance;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * docs/writing-a-defense.md's walkthrough, built from the page's own code blocks: every fenced block
 * whose first line is a {@code file:} comment becomes that file of a fresh project. The project's pom
 * (and the template's) must use the PurifyBench build's versions and pin the same Maven plug-ins; the
 * defense is compiled against purifybench-spi and nd4j-api only (what {@code provided} scope gives it;
 * Maven itself is not started here: it would need this build's platform in ~/.m2 first, which .ci/run
 * does after installing it), packed as Maven packs it, admitted, run through its own kit test class
 * (DefenseConformance) and verified ({@code purifybench verify --write-golden}: the kit in the sandbox
 * and the matrix). The page's parameter listings must match the models the core builds. The project
 * is left in {@code target/writing-a-defense} for .ci/run's Maven build of it.
 */
class WritingADefenseGuideTest {
    static final Path GUIDE = Path.of("../../docs/writing-a-defense.md");
    static final Path ROOT_POM = Path.of("../../pom.xml");
    static final Path TEMPLATE_POM = Path.of("../../submissions/example-defense/pom.xml");
    /** Where .ci/run finds the generated project (relative to this module). */
    static final Path PROJECT = Path.of("target/writing-a-defense");
    /** The plug-ins of the lifecycle an author's project runs (clean, verify, install). */
    static final List<String> LIFECYCLE_PLUGINS = List.of("maven-clean-plugin", "maven-resources-plugin", "maven-compiler-plugin",
            "maven-surefire-plugin", "maven-jar-plugin", "maven-install-plugin");
    private static final Pattern FILE_MARK = Pattern.compile("^\\s*(?://|#|<!--)\\s*file:\\s*(\\S+?)\\s*(?:-->)?\\s*$");
    private static final Pattern LAYOUT_MARK = Pattern.compile(
            "<!-- layout: ([a-z0-9-]+), input (\\d+)x(\\d+)x(\\d+), (\\d+) classes, width (\\d+) -->");

    @TempDir
    static Path dir;
    static String guide;
    static Map<String, String> files;
    static Path classes;
    static Path testClasses;
    static Path jar;

    /** The CLI in this JVM with its output captured (PluginJarsCliTest.run). */
    private static Result run(String... args) {
        return PluginJarsCliTest.run(args);
    }

    /** The fenced code blocks of a markdown text, each with the line just before its opening fence. */
    record Block(String before, String body) {
    }

    static List<Block> blocks(String markdown) {
        List<Block> out = new ArrayList<>();
        List<String> lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```")) {
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).startsWith("```")) {
                    end++;
                }
                assertTrue(end < lines.size(), "an unclosed code block at line " + (i + 1));
                out.add(new Block(i > 0 ? lines.get(i - 1) : "", String.join("\n", lines.subList(i + 1, end)) + "\n"));
                i = end;
            }
        }
        return out;
    }

    @BeforeAll
    static void buildTheWalkthrough() throws Exception {
        guide = Files.readString(GUIDE);
        files = new LinkedHashMap<>();
        for (Block b : blocks(guide)) {
            Matcher m = FILE_MARK.matcher(b.body().lines().findFirst().orElse(""));
            if (m.matches()) {
                assertEquals(null, files.put(m.group(1), b.body()), "two blocks write " + m.group(1));
            }
        }
        assertEquals(List.of("pom.xml", "src/main/java/com/example/headreset/HeadReset.java",
                "src/test/java/com/example/headreset/HeadResetConformanceTest.java"), List.copyOf(files.keySet()), "the walkthrough's files");

        // the project as an author writes it, left for .ci/run (mvn -B -o verify there)
        Sandbox.deleteTree(PROJECT);
        for (var f : files.entrySet()) {
            Path p = PROJECT.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools)");
        // target/classes: the main sources compiled against the provided artifacts only; the annotation
        // processor among them writes the descriptor and services files, as in Maven
        classes = Files.createDirectories(dir.resolve("classes"));
        compile(javac, PROJECT.resolve("src/main/java"), classes, classpath(org.purifybench.spi.Defense.class,
                org.nd4j.linalg.api.ndarray.INDArray.class, org.purifybench.processor.PluginProcessor.class), true);
        assertTrue(Files.isRegularFile(classes.resolve("META-INF/purifybench/plugin.properties")), "the processor wrote the descriptor file");
        assertTrue(Files.isRegularFile(classes.resolve("META-INF/services/org.purifybench.spi.Defense")), "the processor wrote the services file");
        if (Files.isDirectory(PROJECT.resolve("src/main/resources"))) {
            copyTree(PROJECT.resolve("src/main/resources"), classes);
        }
        // target/test-classes: the kit test class, against the kit and JUnit
        testClasses = Files.createDirectories(dir.resolve("test-classes"));
        compile(javac, PROJECT.resolve("src/test/java"), testClasses, classes + File.pathSeparator + classpath(org.purifybench.spi.Defense.class,
                DefenseConformance.class, org.junit.jupiter.api.Test.class), false);
        // the jar as maven-jar-plugin makes it: a manifest, then the classes and resources
        jar = dir.resolve("head-reset-1.0.0.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os, manifest);
             Stream<Path> s = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile).sorted()::iterator) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
    }

    private static String classpath(Class<?>... classes) {
        return Stream.of(classes).map(CodeFingerprint::locationOf).map(Path::toString).distinct().collect(Collectors.joining(File.pathSeparator));
    }

    private static void compile(JavaCompiler javac, Path sources, Path out, String classpath, boolean process) throws IOException {
        List<String> args = new ArrayList<>(List.of("--release", "17", "-Xlint:all", "-d", out.toString(), "-classpath", classpath));
        args.addAll(process ? List.of("-processor", "org.purifybench.processor.PluginProcessor") : List.of("-proc:none"));
        try (Stream<Path> s = Files.walk(sources)) {
            s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> args.add(p.toString()));
        }
        assertEquals(0, javac.run(null, null, System.err, args.toArray(String[]::new)), "the guide's " + sources + " compiles");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                Files.createDirectories(t.getParent());
                Files.copy(f, t);
            }
        }
    }

    // ---- versions: the guide, its pom and the template agree with the PurifyBench build ----

    private static Document xml(String text) throws Exception {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static Element child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static String text(Element e, String... path) {
        Element at = e;
        for (String p : path) {
            at = at == null ? null : child(at, p);
        }
        return at == null ? null : at.getTextContent().strip();
    }

    /** artifactId -> version of build/pluginManagement/plugins. */
    private static Map<String, String> pinned(Document pom) {
        Map<String, String> out = new TreeMap<>();
        Element plugins = child(child(child(pom.getDocumentElement(), "build"), "pluginManagement"), "plugins");
        NodeList list = plugins.getElementsByTagName("plugin");
        for (int i = 0; i < list.getLength(); i++) {
            Element p = (Element) list.item(i);
            out.put(text(p, "artifactId"), text(p, "version"));
        }
        return out;
    }

    @Test
    void theGuideAndTheTemplateUseThePurifyBenchBuildsVersionsAndPinEveryPlugin() throws Exception {
        Document root = xml(Files.readString(ROOT_POM));
        String version = text(root.getDocumentElement(), "version");
        String nd4j = text(root.getDocumentElement(), "properties", "nd4j.version");
        String junit = text(root.getDocumentElement(), "properties", "junit.version");
        Map<String, String> rootPins = pinned(root);
        for (String p : LIFECYCLE_PLUGINS) {
            assertTrue(rootPins.containsKey(p), "the PurifyBench build pins " + p + ": " + rootPins);
        }
        for (var pom : Map.of("the guide's pom.xml", files.get("pom.xml"), TEMPLATE_POM.toString(), Files.readString(TEMPLATE_POM)).entrySet()) {
            Element project = xml(pom.getValue()).getDocumentElement();
            assertEquals(version, text(project, "properties", "purifybench.version"), pom.getKey());
            assertEquals(nd4j, text(project, "properties", "nd4j.version"), pom.getKey());
            assertEquals(junit, text(project, "properties", "junit.version"), pom.getKey());
            Map<String, String> pins = pinned(xml(pom.getValue()));
            assertEquals(LIFECYCLE_PLUGINS.stream().sorted().toList(), List.copyOf(pins.keySet()), pom.getKey() + " pins its lifecycle's plug-ins");
            pins.forEach((artifact, v) -> assertEquals(rootPins.get(artifact), v, pom.getKey() + ": " + artifact));
            assertTrue(pom.getValue().contains("<OMP_WAIT_POLICY>PASSIVE</OMP_WAIT_POLICY>"), pom.getKey() + " sets OMP_WAIT_POLICY=PASSIVE");
        }
        // the coordinates the page states
        for (var pom : Map.of("the guide's pom.xml", files.get("pom.xml"), TEMPLATE_POM.toString(), Files.readString(TEMPLATE_POM)).entrySet()) {
            // the processor writes the descriptor files: same version as the SPI, provided (it runs in javac only)
            assertTrue(pom.getValue().replaceAll("\\s+", "").contains("<artifactId>purifybench-processor</artifactId><version>${purifybench.version}"
                    + "</version><scope>provided</scope>"), pom.getKey() + " has the processor at the SPI's version, provided");
        }
        for (String coordinate : List.of("org.purifybench:purifybench-spi:" + version, "org.purifybench:purifybench-processor:" + version,
                "org.purifybench:purifybench-tck:" + version,
                "org.nd4j:nd4j-api:" + nd4j, "org.nd4j:nd4j-native:" + nd4j, "org.junit.jupiter:junit-jupiter:" + junit)) {
            assertTrue(guide.contains("`" + coordinate + "`"), "the guide gives " + coordinate);
        }
        rootPins.entrySet().stream().filter(e -> LIFECYCLE_PLUGINS.contains(e.getKey())).forEach(e ->
                assertTrue(guide.contains("| `" + e.getKey() + "` | " + e.getValue() + " |"), "the guide's table pins " + e));
    }

    // ---- the parameter listings ----

    @Test
    void theParameterListingsAreTheModelsTheCoreBuilds() {
        Pattern row = Pattern.compile("^(\\S+)\\s+(\\[[^\\]]*\\])");
        int checked = 0;
        for (Block b : blocks(guide)) {
            Matcher m = LAYOUT_MARK.matcher(b.before());
            if (!m.matches()) {
                continue;
            }
            ModelSpec spec = ModelSpec.of(m.group(1), new ImageShape(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4))), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)));
            SdModel model = SdModel.create(spec, 1);
            List<String> documented = b.body().lines().map(l -> {
                Matcher r = row.matcher(l);
                assertTrue(r.find(), "not 'name [shape]': " + l);
                return r.group(1) + " " + r.group(2);
            }).toList();
            List<String> actual = model.parameters().entrySet().stream()
                    .map(e -> e.getKey() + " " + java.util.Arrays.toString(e.getValue().shape())).toList();
            assertEquals(actual, documented, spec.toString());
            assertEquals(List.of("fc_W", "fc_b"), model.classifierParameters());
            long features = model.parameters().get("fc_W").shape()[0];
            assertEquals(List.of(features, (long) spec.numClasses()), java.util.Arrays.stream(model.parameters().get("fc_W").shape()).boxed().toList(),
                    "the head is [features, classes]");
            // state: bnK_rmean / bnK_rvar of each BatchNorm layer, as the page says
            List<String> state = model.batchNormLayers().stream().flatMap(l -> Stream.of(l.scale().replace("_gamma", "_rmean"),
                    l.scale().replace("_gamma", "_rvar"))).sorted().toList();
            assertEquals(state, model.state().keySet().stream().sorted().toList());
            checked++;
        }
        assertEquals(2, checked, "a listing for cnn-small and one for preact-resnet18");
    }

    // ---- the walkthrough's jar ----

    @Test
    void theJarIsAdmitted() {
        Result r = run("admit", jar.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED " + jar), r.out());
        assertTrue(r.out().contains("head-reset") && r.out().contains("[\"CLEAN_TUNING_DATA\"]"), r.out());
    }

    @Test
    void itsKitTestClassPassesEveryCheck() throws Exception {
        try (URLClassLoader project = new URLClassLoader(new URL[] {testClasses.toUri().toURL(), classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> test = project.loadClass("com.example.headreset.HeadResetConformanceTest");
            Constructor<?> ctor = test.getDeclaredConstructor();
            ctor.setAccessible(true); // package-private, as JUnit test classes are
            DefenseConformance instance = (DefenseConformance) ctor.newInstance();
            Method kit = DefenseConformance.class.getDeclaredMethod("kit");
            kit.setAccessible(true);
            ConformanceKit k = (ConformanceKit) kit.invoke(instance);
            List<ConformanceKit.Result> results = k.all();
            assertEquals(8, results.size());
            for (ConformanceKit.Result r : results) {
                assertEquals(ConformanceKit.Status.PASS, r.status(), r.check() + ": " + r.detail());
            }
            String needs = k.check(ConformanceKit.Check.DECLARED_NEEDS).detail();
            assertTrue(needs.contains("[CLEAN_TUNING_DATA]"), needs);
        }
    }

    @Test
    void verifyRunsTheKitInTheSandboxAndWritesGoldenResults() throws IOException {
        try {
            Sandbox.requireSupported(PluginDescriptor.of(Kind.DEFENSE, "probe", "1", "probe", ""), jar);
        } catch (SandboxException e) {
            Assumptions.abort("the sandbox cannot be set up here: " + e.detail());
        }
        Path golden = dir.resolve("golden.json");
        Result r = run("--work-dir", Files.createDirectories(dir.resolve("work")).toString(), "verify", jar.toString(),
                "--write-golden", golden.toString(), "--quiet");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("CONFORMANCE KIT (purify in the sandbox"), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.contains(" FAIL")), r.out());
        assertTrue(r.out().contains("verify: golden results written to " + golden), r.out());
        assertTrue(Files.readString(golden).contains("\"head-reset\""), "golden results of the walkthrough's defense");
    }
}
