package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.purifybench.core.run.CodeFingerprint;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Plugin;

/** Plug-in jars loaded through the registry: admitted, isolated, checked against their descriptor file. */
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
    void aGoodJarLoadsWithItsSource() throws Exception {
        Path jar = TestJars.plugin("GoodDefense", "TinyAttack").write(dir.resolve("submissions/good.jar"));
        PluginRegistry r = load(jar);
        assertTrue(r.refused().isEmpty(), r.refused().toString());
        Defense good = r.defense("good-defense");
        Attack tiny = r.attack("tiny-attack");
        assertEquals("1.2.3", good.descriptor().version());
        assertEquals(TestJars.className("GoodDefense"), good.getClass().getName());
        assertTrue(good.getClass().getClassLoader() instanceof PluginClassLoader);
        assertSame(good.getClass().getClassLoader(), tiny.getClass().getClassLoader(), "one loader per jar");

        PluginRegistry.Origin origin = r.origin(good.descriptor());
        assertFalse(origin.builtIn());
        assertEquals(jar, origin.jar());
        assertEquals(jar.toString(), origin.toString());
        assertEquals(jar.toRealPath(), origin.location());
        assertTrue(r.origin(r.defense("alpha").descriptor()).builtIn());
        assertEquals("built-in", r.origin(r.defense("alpha").descriptor()).toString());

        // provenance: the jar's SHA-256 and the plug-in's code fingerprint work for isolated classes
        assertEquals("good.jar", r.source(good.descriptor()));
        assertEquals(jar.toRealPath(), r.jar(good.descriptor()).orElseThrow());
        assertEquals(jar.toRealPath(), CodeFingerprint.locationOf(good.getClass()));
        assertNotEquals("unknown", CodeFingerprint.ofPlugin(good.getClass()));
    }

    @Test
    void aPluginSeesTheSpiNd4jAndTheJdkButNotTheCoreJacksonOrOtherJars() throws Exception {
        Path a = TestJars.plugin("GoodDefense", "TinyAttack").write(dir.resolve("a.jar"));
        Path b = TestJars.plugin("OtherDefense").write(dir.resolve("b.jar"));
        PluginRegistry r = load(a, b);
        assertTrue(r.refused().isEmpty(), r.refused().toString());
        // what the plug-in's own code reached with Class.forName, reported in its description
        assertEquals("core=false jackson=false picocli=false spi=true nd4j=true jdk=true sibling=false own=true",
                r.defense("good-defense").descriptor().description());
        ClassLoader loader = r.defense("good-defense").getClass().getClassLoader();
        assertThrows(ClassNotFoundException.class, () -> Class.forName(UserException.class.getName(), false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PluginRegistry.class.getName(), false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper", false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PluginRegistryTest.Alpha.class.getName(), false, loader));
        // the SPI and ND4J are the host's own classes, so plug-in objects are host types
        assertSame(Defense.class, Class.forName(Defense.class.getName(), false, loader));
        assertSame(org.nd4j.linalg.api.ndarray.INDArray.class, Class.forName("org.nd4j.linalg.api.ndarray.INDArray", false, loader));
        assertNotSame(loader, r.defense("other-defense").getClass().getClassLoader());
        assertThrows(ClassNotFoundException.class, () -> Class.forName(TestJars.className("OtherDefense"), false, loader));
    }

    @Test
    void wrongSpiVersionIsRefusedBeforeAnyClassIsLoaded() throws Exception {
        // control: admitted, the tripwire's static initialiser runs when its plug-in is created
        load(TestJars.plugin("Tripwire").write(dir.resolve("control.jar")));
        assertEquals("initialised", System.getProperty(TestJars.TRIPWIRE_PROPERTY));
        System.clearProperty(TestJars.TRIPWIRE_PROPERTY);

        Path jar = TestJars.plugin("Tripwire").descriptor("""
                spi-version = 2
                defense.tripwire.class = com.example.plug.Tripwire
                defense.tripwire.version = 1
                """).write(dir.resolve("future.jar"));
        PluginRegistry r = load(jar);
        onlyRefusal(r, jar, "built for SPI 2, this host speaks SPI 1", "rebuild");
        assertNull(System.getProperty(TestJars.TRIPWIRE_PROPERTY), "the plug-in's class was initialised");
        assertThrows(UserException.class, () -> r.defense("tripwire"));
    }

    @Test
    void hostileJarsAreRefusedBeforeAnyClassIsLoaded() throws Exception {
        Path bomb = TestJars.plugin("Tripwire").entry("zeros.bin", new byte[8 << 20]).write(dir.resolve("bomb.jar"));
        Path shaded = TestJars.plugin("Tripwire").entry("org/purifybench/spi/Defense.class", TestJars.classBytes("Tripwire"))
                .write(dir.resolve("shaded.jar"));
        PluginRegistry r = load(bomb, shaded);
        assertEquals(List.of(bomb, shaded), r.refused().stream().map(PluginJarException::jar).toList());
        assertTrue(r.refused().get(0).reason().contains("zip bomb"), r.refused().get(0).reason());
        assertTrue(r.refused().get(1).reason().contains("shaded platform classes"), r.refused().get(1).reason());
        assertNull(System.getProperty(TestJars.TRIPWIRE_PROPERTY));
    }

    @Test
    void missingServicesEntry() throws Exception {
        Path jar = TestJars.plugin("GoodDefense").remove("META-INF/services/" + Defense.class.getName()).write(dir.resolve("noservices.jar"));
        onlyRefusal(load(jar), jar, "no services entry META-INF/services/org.purifybench.spi.Defense", "add META-INF/services");
    }

    @Test
    void descriptorFileAndPluginMustAgree() throws Exception {
        Path idJar = TestJars.plugin("GoodDefense").descriptor("""
                spi-version = 1
                defense.nice-defense.class = com.example.plug.GoodDefense
                defense.nice-defense.version = 1.2.3
                """).write(dir.resolve("id.jar"));
        onlyRefusal(load(idJar), idJar, "does not match", "id 'nice-defense' in the file, 'good-defense' in the class");

        Path versionJar = TestJars.plugin("GoodDefense").descriptor("""
                spi-version = 1
                defense.good-defense.class = com.example.plug.GoodDefense
                defense.good-defense.version = 9
                """).write(dir.resolve("version.jar"));
        onlyRefusal(load(versionJar), versionJar, "version 9 in the file, 1.2.3 in the class");

        // declared as an attack, listed as an attack, but the class is a defense
        Path kindJar = TestJars.jar().entry("com/example/plug/GoodDefense.class", TestJars.classBytes("GoodDefense"))
                .entry("META-INF/services/" + Attack.class.getName(), TestJars.className("GoodDefense"))
                .descriptor("spi-version = 1\nattack.good-defense.class = com.example.plug.GoodDefense\nattack.good-defense.version = 1.2.3\n")
                .write(dir.resolve("kind.jar"));
        onlyRefusal(load(kindJar), kindJar, "META-INF/services/org.purifybench.spi.Attack lists com.example.plug.GoodDefense, which does not implement Attack");
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
    void aPluginThatLinksTheCoreIsRefused() throws Exception {
        Path jar = TestJars.plugin("UsesCore").write(dir.resolve("core-user.jar"));
        onlyRefusal(load(jar), jar, "org.purifybench.core.UserException", "cannot see", "purifybench-spi");
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
        Files.writeString(descriptor, "spi-version = 1\ndefense.other-defense.class = com.example.plug.OtherDefense\ndefense.other-defense.version = 1\n");
        ClassLoader classpath = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        PluginRegistry r = PluginRegistry.load(classpath);
        Plugin other = r.defense("other-defense");
        assertTrue(r.origin(other.descriptor()).builtIn());
        assertEquals(folder, r.origin(other.descriptor()).location());

        Files.writeString(descriptor, "spi-version = 1\ndefense.other-defense.class = com.example.plug.OtherDefense\ndefense.other-defense.version = 2\n");
        ClassLoader stale = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        UserException e = assertThrows(UserException.class, () -> PluginRegistry.load(stale));
        assertTrue(e.getMessage().contains("version 2 in the file, 1 in the class"), e.getMessage());

        Files.writeString(descriptor, "spi-version = 1\ndefense.other-defense.class = com.example.plug.OtherDefense\ndefense.other-defense.version = 1\n"
                + "defense.ghost.class = com.example.plug.Ghost\ndefense.ghost.version = 1\n");
        ClassLoader ghost = new URLClassLoader(new URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
        UserException g = assertThrows(UserException.class, () -> PluginRegistry.load(ghost));
        assertTrue(g.getMessage().contains("defense 'ghost'"), g.getMessage());
    }
}
