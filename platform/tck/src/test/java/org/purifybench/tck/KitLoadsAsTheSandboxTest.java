package org.purifybench.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.commons.lang3.StringUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.plugin.SandboxedLoading;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.core.sandbox.SandboxLimits;
import org.purifybench.core.sandbox.SandboxStatus;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.ConformanceKit.Check;
import org.purifybench.tck.ConformanceKit.Result;
import org.purifybench.tck.ConformanceKit.Status;

/**
 * The kit runs a defense's class as the sandbox loads it (the JUnit base class authors extend
 * included), so a class that compiles and is on the test class path but that the sandbox does not
 * offer fails in the kit, with the message the sandbox child gives. The defense is compiled here,
 * as an author's project would compile it: against the SPI and commons-lang3 (which nd4j-api brings
 * to every plug-in's compile class path).
 */
class KitLoadsAsTheSandboxTest {
    private static final String CLASS = "com.example.lang.UsesCommonsLang";
    private static final Map<String, String> SOURCES = Map.of("UsesCommonsLang", """
            package com.example.lang;
            import org.apache.commons.lang3.StringUtils;
            import org.purifybench.spi.*;
            public class UsesCommonsLang implements Defense {
                public PluginDescriptor descriptor() {
                    return PluginDescriptor.of(Kind.DEFENSE, "uses-commons-lang", "1.0", "logs a line through commons-lang3", "");
                }
                public Model purify(DefenseContext c) {
                    c.host().log(StringUtils.capitalize("purifying"));
                    return c.backdooredModel();
                }
            }
            """, "FineTunes", """
            package com.example.lang;
            import org.purifybench.spi.*;
            public class FineTunes implements Defense {
                public PluginDescriptor descriptor() {
                    return PluginDescriptor.of(Kind.DEFENSE, "fine-tunes", "1.0", "one epoch of SGD on the tuning set", "", Need.CLEAN_TUNING_DATA);
                }
                public Model purify(DefenseContext c) {
                    Model m = c.backdooredModel();
                    c.host().trainer().train(m, c.requireTuningData(), TrainConfig.sgd(1, 32, 0.01), StepHook.PLAIN, c.seed(), "fine-tunes");
                    return m;
                }
            }
            """, "Unlisted", """
            package com.example.lang;
            import org.purifybench.spi.*;
            public class Unlisted implements Defense {
                public PluginDescriptor descriptor() {
                    return PluginDescriptor.of(Kind.DEFENSE, "unlisted", "1.0", "not in the services file", "");
                }
                public Model purify(DefenseContext c) {
                    return c.backdooredModel();
                }
            }
            """);
    private static final String DESCRIPTOR = """
            spi-version = 1
            defense.uses-commons-lang.class = com.example.lang.UsesCommonsLang
            defense.uses-commons-lang.version = 1.0
            defense.uses-commons-lang.needs =
            defense.uses-commons-lang.description = logs a line through commons-lang3
            defense.fine-tunes.class = com.example.lang.FineTunes
            defense.fine-tunes.version = 1.0
            defense.fine-tunes.needs = CLEAN_TUNING_DATA
            defense.fine-tunes.description = one epoch of SGD on the tuning set
            """;
    /** What the kit and the sandbox say, from the one function both use. */
    private static final String MESSAGE = "its code uses org.apache.commons.lang3.StringUtils, which the sandbox does not offer";

    @TempDir
    static Path dir;
    static Path classes;
    static Path jar;
    /** The author's test class path: the compiled class folder, with commons-lang3 visible through the parent. */
    static URLClassLoader authorsTestClassPath;
    static Defense defense;

    @BeforeAll
    static void compileTheDefense() throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the defense");
        Path src = Files.createDirectories(dir.resolve("src/com/example/lang"));
        classes = Files.createDirectories(dir.resolve("classes"));
        String cp = Stream.of(Defense.class, StringUtils.class).map(CodeFingerprint::locationOf).map(Path::toString)
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        List<String> args = new ArrayList<>(List.of("-proc:none", "--release", "17", "-d", classes.toString(), "-classpath", cp));
        for (var e : SOURCES.entrySet()) {
            Path f = src.resolve(e.getKey() + ".java");
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        assertEquals(0, javac.run(null, null, System.err, args.toArray(String[]::new)), "it compiles: commons-lang3 is on the compile class path");
        Files.createDirectories(classes.resolve("META-INF/purifybench"));
        Files.writeString(classes.resolve("META-INF/purifybench/plugin.properties"), DESCRIPTOR);
        Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(classes.resolve("META-INF/services/org.purifybench.spi.Defense"), CLASS + "\ncom.example.lang.FineTunes\n");
        jar = dir.resolve("uses-commons-lang.jar");
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(os);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                z.putNextEntry(new ZipEntry(classes.relativize(f).toString().replace('\\', '/')));
                z.write(Files.readAllBytes(f));
                z.closeEntry();
            }
        }
        authorsTestClassPath = new URLClassLoader(new URL[] {classes.toUri().toURL()}, KitLoadsAsTheSandboxTest.class.getClassLoader());
        defense = create(CLASS);
    }

    private static Defense create(String className) throws ReflectiveOperationException {
        return (Defense) authorsTestClassPath.loadClass(className).getConstructor().newInstance();
    }

    @AfterAll
    static void close() throws IOException {
        if (authorsTestClassPath != null) {
            authorsTestClassPath.close();
        }
    }

    /** The JUnit kit as an author's test class runs it (DefenseConformance, same package: kit() is reachable). */
    private static ConformanceKit authorsKit(Defense d) {
        DefenseConformance test = new DefenseConformance() {
            @Override
            protected Defense defense() {
                return d;
            }

            @Override
            protected Params fastParams() {
                return new Params(Map.of());
            }
        };
        return test.kit();
    }

    @Test
    void onTheTestClassPathAloneTheDefenseWouldPass() {
        // the trap: in this JVM's class path commons-lang3 is there, so plain in-process runs pass
        ConformanceKit plain = new ConformanceKit(defense, new Params(Map.of()), ConformanceKit.inProcess(defense),
                ConformanceKit.DEFAULT_TIME_BUDGET, false);
        for (Result r : plain.all()) {
            assertTrue(r.passed(), r.check() + ": " + r.detail());
        }
    }

    @Test
    void theKitFailsItWithTheSandboxsMessageAndTheFix() {
        ConformanceKit kit = authorsKit(defense);
        SandboxedLoading.MissingClass expected = SandboxedLoading.missingClass(new NoClassDefFoundError("org/apache/commons/lang3/StringUtils"));
        assertNotNull(expected);
        for (Check c : List.of(Check.DECLARED_NEEDS, Check.DETERMINISTIC, Check.ARCHITECTURE)) {
            Result r = kit.check(c);
            assertEquals(Status.FAIL, r.status(), c + ": " + r.detail());
            assertTrue(r.detail().contains(MESSAGE), c + ": " + r.detail());
            assertTrue(r.detail().contains(expected.text()), c + ": " + r.detail());
            assertTrue(r.detail().contains("maven-shade-plugin"), "the fix is given: " + r.detail());
        }
        assertTrue(kit.check(Check.DECLARED_NEEDS).detail().contains("loaded as the sandbox loads it"), kit.check(Check.DECLARED_NEEDS).detail());
        // the checks that do not run purify still pass: the descriptor and its file are right
        assertEquals(Status.PASS, kit.check(Check.DESCRIPTOR).status());
        assertEquals(Status.PASS, kit.check(Check.DESCRIPTOR_FILE).status(), kit.check(Check.DESCRIPTOR_FILE).detail());
    }

    @Test
    void bundlingTheLibraryIntoThePluginIsTheFix() throws Exception {
        // the fix the message gives: the library's classes in the plug-in's own jar (or class folder)
        Path bundled = Files.createDirectories(dir.resolve("bundled"));
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path t = bundled.resolve(classes.relativize(f).toString());
                Files.createDirectories(t.getParent());
                Files.copy(f, t);
            }
        }
        try (var lang = new java.util.zip.ZipFile(CodeFingerprint.locationOf(StringUtils.class).toFile())) {
            for (var e : java.util.Collections.list(lang.entries())) {
                if (e.getName().startsWith("org/apache/commons/lang3/") && e.getName().endsWith(".class")) {
                    Path t = bundled.resolve(e.getName());
                    Files.createDirectories(t.getParent());
                    try (var in = lang.getInputStream(e)) {
                        Files.copy(in, t);
                    }
                }
            }
        }
        try (URLClassLoader authors = new URLClassLoader(new URL[] {bundled.toUri().toURL()}, KitLoadsAsTheSandboxTest.class.getClassLoader())) {
            ConformanceKit kit = authorsKit((Defense) authors.loadClass(CLASS).getConstructor().newInstance());
            for (Check c : List.of(Check.DECLARED_NEEDS, Check.ARCHITECTURE)) {
                Result r = kit.check(c);
                assertEquals(Status.PASS, r.status(), c + ": " + r.detail());
            }
        }
    }

    @Test
    void aDefenseThatUsesWhatTheSandboxOffersPasses() throws Exception {
        for (Result r : authorsKit(create("com.example.lang.FineTunes")).all()) {
            assertEquals(Status.PASS, r.status(), r.check() + ": " + r.detail());
        }
    }

    @Test
    void aClassTheServicesFileDoesNotListFailsAsInTheSandbox() throws Exception {
        Result r = authorsKit(create("com.example.lang.Unlisted")).check(Check.ARCHITECTURE);
        assertEquals(Status.FAIL, r.status(), r.detail());
        assertTrue(r.detail().contains("its services entry does not provide com.example.lang.Unlisted - list com.example.lang.Unlisted in"
                + " META-INF/services/org.purifybench.spi.Defense"), r.detail());
    }

    @Test
    void theSandboxChildSaysTheSame() {
        var d = defense.descriptor();
        try {
            Sandbox.requireSupported(d, jar);
        } catch (SandboxException e) {
            Assumptions.abort("the sandbox cannot be set up here: " + e.detail());
        }
        TckFixture f = TckFixture.get();
        Sandbox sandbox = new Sandbox(dir.resolve("jobs"), SandboxLimits.fromSystemProperties().withWall(Duration.ofMinutes(5)), List.of(dir),
                line -> { });
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox.purification(jar, d, (SdModel) f.backdoored, f.splits.tuning(),
                f.splits.validation(), () -> f.clean, ConformanceKit.SEED, new Params(Map.of())));
        assertEquals(SandboxStatus.FAILED, e.status(), e.oneLine());
        assertTrue(e.detail().contains(MESSAGE), e.detail());
        assertTrue(e.detail().contains("maven-shade-plugin"), "the fix is given: " + e.detail());
    }
}
