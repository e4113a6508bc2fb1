package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Plugin;

/**
 * Plug-in jars through the registry (admitted as data, registered from their descriptor file, no class
 * loaded) and through the sandbox child's loading (isolated class loader, descriptor() checked against the file).
 */
class PluginJarLoadingTest {
    @TempDir
    Path dir;

    /** The stand-in for the built-in plug-ins: the class path with one defense, 'alpha'. */
    private ClassLoader builtIns;

    @BeforeEach
    void builtIns() throws Exception {
        Path services = Files.createDirectories(dir.resolve("builtin/META-INF/services"));
        Files.writeString(services.resolve(Defense.class.getName()), PluginRegistryTest.Alpha.class.getName() + "\n");
        builtIns = new URLClassLoader(new URL[] {dir.resolve("builtin").toUri().toURL()}, getClass().getClassLoader());
        System.clearProperty(TestJars.TRIPWIRE_PROPERTY);
    }

    private PluginRegistry load(Path... jars) {
        return PluginRegistry.load(builtIns, List.of(jars));
    }

    private static PluginJarException onlyRefusal(PluginRegistry r, Path jar, String... mustContain) {
        assertEquals(1, r.refused().size(), r.refused().toString());
        PluginJarException e = r.refused().get(0);
        assertEquals(jar, e.jar());
        assertTrue(e.getMessage().startsWith("plug-in jar " + jar + " refused: "), e.getMessage());
        for (String s : mustContain) {
            assertTrue(e.oneLine().contains(s), "'" + s + "' missing in: " + e.oneLine());
        }
        return e;
    }

    @Test
    void aGoodJarIsRegisteredFromItsDescriptorFileWithoutLoadingAClass() throws Exception {
        Path jar = TestJars.plugin("GoodDefense").write(dir.resolve("submissions/good.jar"));
        PluginRegistry r = load(jar);
        assertTrue(r.refused().isEmpty(), r.refused().toString());
        Defense good = r.defense("good-defense");
        // a core stand-in, whose descriptor is the file's: the class itself is never loaded here
        JarDefense sealed = assertInstanceOf(JarDefense.class, good);
        assertEquals("1.2.3", good.descriptor().version());
        assertEquals("test fixture GoodDefense", good.descriptor().description());
        assertEquals(TestJars.className("GoodDefense"), sealed.className());
        assertEquals(jar.toRealPath(), sealed.jar());
        assertSame(good.descriptor(), good.descriptor());

        PluginRegistry.Origin origin = r.origin(good.descriptor());
        assertFalse(origin.builtIn());
        assertEquals(jar, origin.jar());
        assertEquals(jar.toString(), origin.toString());
        assertEquals(jar.toRealPath(), origin.location());
        assertTrue(r.origin(r.defense("alpha").descriptor()).builtIn());
        assertEquals("built-in", r.origin(r.defense("alpha").descriptor()).toString());

        // provenance: the jar's SHA-256 and the plug-in's code fingerprint, from the jar's bytes
        assertEquals("good.jar", r.source(good.descriptor()));
        assertEquals(jar.toRealPath(), r.jar(good.descriptor()).orElseThrow());
        assertNotEquals("unknown", CodeFingerprint.ofPlugin(sealed.jar(), sealed.className()));

        // and it can never run here
        UserException e = assertThrows(UserException.class, () -> good.purify(null));
        assertTrue(e.getMessage().contains("runs only in the sandbox"), e.getMessage());
    }

    @Test
    void aHostileJarsCodeNeverRunsInTheHarness() throws Exception {
        Files.deleteIfExists(TestJars.HOSTILE_MARKER);
        System.clearProperty(TestJars.HOSTILE_PROPERTY);
        Path jar = TestJars.plugin("Hostile", "Tripwire").write(dir.resolve("submissions/hostile.jar"));
        PluginRegistry r = load(jar).requireNoRefused();
        for (Plugin p : r.all()) {
            p.descriptor(); // what list, admit and run ask of every plug-in
        }
        assertEquals("hostile", r.defense("hostile").descriptor().id());
        assertThrows(UserException.class, () -> r.defense("hostile").purify(null));
        assertNull(System.getProperty(TestJars.HOSTILE_PROPERTY), "the hostile plug-in's code ran in the harness");
        assertNull(System.getProperty(TestJars.TRIPWIRE_PROPERTY), "the tripwire's class was initialised in the harness");
        assertFalse(Files.exists(TestJars.HOSTILE_MARKER), "the hostile plug-in wrote its marker from the harness");

        // control: where the class is really loaded (the sandbox child's loading, here in-process), its code does run
        SandboxedLoading.defense(jar, "hostile", JarLimits.DEFAULTS);
        assertEquals("descriptor()", System.getProperty(TestJars.HOSTILE_PROPERTY));
        assertEquals(List.of("static initialiser", "constructor", "descriptor()", "descriptor()"), Files.readAllLines(TestJars.HOSTILE_MARKER));
        System.clearProperty(TestJars.HOSTILE_PROPERTY);
        Files.delete(TestJars.HOSTILE_MARKER);
    }

    @Test
    void inTheSandboxChildAPluginSeesTheSpiNd4jAndTheJdkButNotTheCoreJacksonOrOtherJars() throws Exception {
        Path a = TestJars.plugin("GoodDefense").write(dir.resolve("a.jar"));
        Path b = TestJars.plugin("OtherDefense").write(dir.resolve("b.jar"));
        SandboxedLoading.Loaded loaded = SandboxedLoading.defense(a, "good-defense", JarLimits.DEFAULTS);
        Defense good = loaded.defense();
        assertEquals(TestJars.className("GoodDefense"), good.getClass().getName());
        assertTrue(good.getClass().getClassLoader() instanceof PluginClassLoader);
        assertEquals(a.toRealPath(), CodeFingerprint.locationOf(good.getClass()));
        // what the plug-in's own code reached with Class.forName, reported in its description
        assertEquals("core=false jackson=false picocli=false spi=true nd4j=true jdk=true sibling=false own=false",
                loaded.actual().description());
        ClassLoader loader = good.getClass().getClassLoader();
        assertThrows(ClassNotFoundException.class, () -> Class.forName(UserException.class.getName(), false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PluginRegistry.class.getName(), false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper", false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PluginRegistryTest.Alpha.class.getName(), false, loader));
        // the SPI and ND4J are the host's own classes, so plug-in objects are host types
        assertSame(Defense.class, Class.forName(Defense.class.getName(), false, loader));
        assertSame(org.nd4j.linalg.api.ndarray.INDArray.class, Class.forName("org.nd4j.linalg.api.ndarray.INDArray", false, loader));
        // the plug-in toolkit is offered like the SPI: the host's one copy (one JVM-wide stdout lock)
        assertSame(org.purifybench.toolkit.MutedStdout.class, Class.forName("org.purifybench.toolkit.MutedStdout", false, loader));
        Defense other = SandboxedLoading.defense(b, "other-defense", JarLimits.DEFAULTS).defense();
        assertNotSame(loader, other.getClass().getClassLoader());
        assertThrows(ClassNotFoundException.class, () -> Class.forName(TestJars.className("OtherDefense"), false, loader));
    }

    @Test
    void wrongSpiVersionIsRefusedBeforeAnyClassIsLoaded() throws Exception {
        Path jar = TestJars.plugin("Tripwire").descriptor(TestJars.descriptorOf("Tripwire").replace("spi-version = 1", "spi-version = 2"))
                .write(dir.resolve("future.jar"));
        PluginRegistry r = load(jar);
        onlyRefusal(r, jar, "built for SPI 2, this host speaks SPI 1", "rebuild");
        assertThrows(UserException.class, () -> r.defense("tripwire"));
        // the sandbox child's loading refuses it the same way, before loading a class
        PluginJarException e = assertThrows(PluginJarException.class, () -> SandboxedLoading.defense(jar, "tripwire", JarLimits.DEFAULTS));
        assertTrue(e.reason().contains("built for SPI 2"), e.reason());
        assertNull(System.getProperty(TestJars.TRIPWIRE_PROPERTY), "the plug-in's class was initialised");
    }

    @Test
    void hostileJarsAreRefusedBeforeAnyClassIsLoaded() throws Exception {
        Path bomb = TestJars.plugin("Tripwire").entry("zeros.bin", new byte[8 << 20]).write(dir.resolve("bomb.jar"));
        Path shaded = TestJars.plugin("Tripwire").entry("org/purifybench/spi/Defense.class", TestJars.classBytes("Tripwire"))
                .write(dir.resolve("shaded.jar"));
        Path toolkit = TestJars.plugin("Tripwire").entry("org/purifybench/toolkit/Seeds.class", TestJars.classBytes("Tripwire"))
                .write(dir.resolve("toolkit.jar"));
        PluginRegistry r = load(bomb, shaded, toolkit);
        assertEquals(List.of(bomb, shaded, toolkit), r.refused().stream().map(PluginJarException::jar).toList());
        assertTrue(r.refused().get(0).reason().contains("zip bomb"), r.refused().get(0).reason());
        assertTrue(r.refused().get(1).reason().contains("shaded platform classes"), r.refused().get(1).reason());
        assertTrue(r.refused().get(2).reason().contains("org.purifybench.toolkit.*"), r.refused().get(2).reason());
        assertTrue(r.refused().get(2).fix().contains("purifybench-toolkit"), r.refused().get(2).fix());
        assertNull(System.getProperty(TestJars.TRIPWIRE_PROPERTY));
    }

    @Test
    void missingServicesEntry() throws Exception {
        Path jar = TestJars.plugin("GoodDefense").remove("META-INF/services/" + Defense.class.getName()).write(dir.resolve("noservices.jar"));
        onlyRefusal(load(jar), jar, "no services entry META-INF/services/org.purifybench.spi.Defense", "add META-INF/services");
    }

    @Test
    void attacksAndEvaluatorsInAJarAreRefusedWithTheReason() throws Exception {
        Path attack = TestJars.plugin("GoodDefense", "TinyAttack").write(dir.resolve("attack.jar"));
        PluginJarException e = onlyRefusal(load(attack), attack, "provides an attack (attack 'tiny-attack'",
                "third-party attacks and evaluators are not supported, they would run outside the sandbox");
        assertTrue(e.fix().contains("only defenses can be plug-in jars") && e.fix().contains("attack.tiny-attack.*"), e.fix());
        assertThrows(UserException.class, () -> load(attack).defense("good-defense"), "nothing of a refused jar is registered");

        // an evaluator: declared and listed as one (the class need not even be an evaluator: nothing is loaded)
        Path evaluator = TestJars.jar().entry("com/example/plug/GoodDefense.class", TestJars.classBytes("GoodDefense"))
                .entry("META-INF/services/" + Evaluator.class.getName(), TestJars.className("GoodDefense"))
                .descriptor("spi-version = 1\nevaluator.probe.class = com.example.plug.GoodDefense\nevaluator.probe.version = 1\n"
                        + "evaluator.probe.needs = TEST_DATA\nevaluator.probe.description = reads the test set\n")
                .write(dir.resolve("evaluator.jar"));
        onlyRefusal(load(evaluator), evaluator, "provides an evaluator (evaluator 'probe'", "not supported");
    }

    @Test
    void theSandboxChildRefusesADefenseWhoseDescriptorDisagreesWithTheFile() throws Exception {
        String ok = TestJars.descriptorOf("GoodDefense");
        Path idJar = TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.", "defense.nice-defense."))
                .write(dir.resolve("id.jar"));
        assertTrue(load(idJar).refused().isEmpty(), "the harness cannot tell: it reads the file only");
        mismatch(idJar, "nice-defense", "com.example.plug.GoodDefense: descriptor() says id 'good-defense', plugin.properties says 'nice-defense'");

        Path versionJar = TestJars.plugin("GoodDefense").descriptor(ok.replace("version = 1.2.3", "version = 9")).write(dir.resolve("version.jar"));
        mismatch(versionJar, "good-defense", "descriptor() says version 1.2.3, plugin.properties says 9");

        Path needsJar = TestJars.plugin("GoodDefense").descriptor(ok.replace("needs =", "needs = CLEAN_TUNING_DATA")).write(dir.resolve("needs.jar"));
        mismatch(needsJar, "good-defense",
                "descriptor() says needs (none), plugin.properties says defense.good-defense.needs = CLEAN_TUNING_DATA", "make them agree");

        Path roleJar = TestJars.plugin("GoodDefense").descriptor(ok + "defense.good-defense.role = ORACLE\n").write(dir.resolve("role.jar"));
        assertTrue(load(roleJar).refused().isEmpty(), "a valid file: the harness cannot tell either");
        mismatch(roleJar, "good-defense", "descriptor() says role PURIFIER, plugin.properties says defense.good-defense.role = ORACLE");

        Path paramJar = TestJars.plugin("GoodDefense").descriptor(ok + "defense.good-defense.param.epochs.type = INT\n"
                + "defense.good-defense.param.epochs.default = 3\ndefense.good-defense.param.epochs.description = epochs\n").write(dir.resolve("param.jar"));
        mismatch(paramJar, "good-defense", "descriptor() says parameters [], plugin.properties says [epochs]");
    }

    private static void mismatch(Path jar, String id, String... mustContain) {
        SandboxedLoading.DescriptorMismatch e = assertThrows(SandboxedLoading.DescriptorMismatch.class,
                () -> SandboxedLoading.defense(jar, id, JarLimits.DEFAULTS));
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' missing in: " + e.getMessage());
        }
    }

    @Test
    void duplicateIdWithABuiltInOrAnotherJar() throws Exception {
        Path impostor = TestJars.plugin("Impostor").write(dir.resolve("impostor.jar"));
        PluginRegistry r = load(impostor);
        onlyRefusal(r, impostor, "defense 'alpha' has the id of the built-in one", "rename");
        assertEquals(PluginRegistryTest.Alpha.class, r.defense("alpha").getClass(), "the built-in one stays");

        Path first = TestJars.plugin("OtherDefense").write(dir.resolve("first.jar"));
        Path second = TestJars.plugin("OtherDefense").write(dir.resolve("second.jar"));
        PluginRegistry two = load(first, second);
        onlyRefusal(two, second, "has the id of the one in " + first);
        assertEquals(first, two.origin(two.defense("other-defense").descriptor()).jar());
    }

    @Test
    void theSameJarGivenTwiceLoadsOnce() throws Exception {
        Path jar = TestJars.plugin("OtherDefense").write(dir.resolve("twice.jar"));
        PluginRegistry r = load(jar, dir.resolve("./twice.jar"));
        assertTrue(r.refused().isEmpty(), r.refused().toString());
        assertEquals(2, r.defenses().size());
        Path bad = dir.resolve("bad-twice.jar");
        Files.writeString(bad, "not a zip");
        assertEquals(1, load(bad, bad.toAbsolutePath()).refused().size(), "refused once");
    }

    @Test
    void aPluginThatLinksTheCoreIsRefusedWhereItIsLoaded() throws Exception {
        Path jar = TestJars.plugin("UsesCore").write(dir.resolve("core-user.jar"));
        PluginJarException e = assertThrows(PluginJarException.class, () -> SandboxedLoading.defense(jar, "uses-core", JarLimits.DEFAULTS));
        for (String s : List.of("org.purifybench.core.UserException", "cannot see", "purifybench-spi")) {
            assertTrue(e.oneLine().contains(s), "'" + s + "' missing in: " + e.oneLine());
        }
    }

    @Test
    void theHarnessKeepsWorkingAfterRefusedJars() throws Exception {
        Path bad = TestJars.plugin("GoodDefense").entry("../escape.txt", "x").write(dir.resolve("bad.jar"));
        Path worse = dir.resolve("worse.jar");
        Files.writeString(worse, "not a zip");
        Path good = TestJars.plugin("OtherDefense").write(dir.resolve("good.jar"));
        PluginRegistry r = load(bad, worse, good);
        assertEquals(List.of(bad, worse), r.refused().stream().map(PluginJarException::jar).toList());
        assertEquals(List.of("alpha", "other-defense"), r.defenses().stream().map(d -> d.descriptor().id()).toList());
        assertThrows(UserException.class, () -> r.defense("good-defense"));
        // a run refuses to start, naming the first refused jar and how many more there are
        UserException e = assertThrows(UserException.class, r::requireNoRefused);
        assertTrue(e.getMessage().startsWith("plug-in jar " + bad + " refused: "), e.getMessage());
        assertTrue(e.getMessage().contains("and 1 more refused jar"), e.getMessage());
        // and the same jars load fine without the bad ones, in the same JVM
        PluginRegistry again = load(good);
        assertSame(again, again.requireNoRefused());
        assertEquals("other-defense", again.defense("other-defense").descriptor().id());
    }

    @Test
    void builtInClassFoldersAreCheckedAgainstTheirDescriptorFileToo() throws Exception {
        Path folder = dir.resolve("builtin-with-descriptor");
        Files.createDirectories(folder.resolve("com/example/plug"));
        Files.write(folder.resolve("com/example/plug/OtherDefense.class"), TestJars.classBytes("OtherDefense"));
        Files.createDirectories(folder.resolve("META-INF/services"));
        Files.writeString(folder.resolve("META-INF/services/" + Defense.class.getName()), TestJars.className("OtherDefense") + "\n");
        Files.createDirectories(folder.resolve("META-INF/purifybench"));
        Path descriptor = folder.resolve(DescriptorFile.PATH);
        String ok = TestJars.descriptorOf("OtherDefense");
        Files.writeString(descriptor, ok);
        ClassLoader classpath = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        PluginRegistry r = PluginRegistry.load(classpath);
        Plugin other = r.defense("other-defense");
        assertTrue(r.origin(other.descriptor()).builtIn());
        assertEquals(folder, r.origin(other.descriptor()).location());

        Files.writeString(descriptor, ok.replace("other-defense.version = 1", "other-defense.version = 2"));
        ClassLoader stale = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        UserException e = assertThrows(UserException.class, () -> PluginRegistry.load(stale));
        assertTrue(e.getMessage().contains("descriptor() says version 1, plugin.properties says 2"), e.getMessage());

        Files.writeString(descriptor, ok.replace("needs =", "needs = VALIDATION_DATA"));
        ClassLoader needs = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        UserException n = assertThrows(UserException.class, () -> PluginRegistry.load(needs));
        assertTrue(n.getMessage().contains("descriptor() says needs (none), plugin.properties says defense.other-defense.needs = VALIDATION_DATA"),
                n.getMessage());

        Files.writeString(descriptor, ok + "defense.ghost.class = com.example.plug.Ghost\ndefense.ghost.version = 1\n"
                + "defense.ghost.needs =\ndefense.ghost.description = not there\n");
        ClassLoader ghost = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        UserException g = assertThrows(UserException.class, () -> PluginRegistry.load(ghost));
        assertTrue(g.getMessage().contains("defense 'ghost'"), g.getMessage());
    }
}
