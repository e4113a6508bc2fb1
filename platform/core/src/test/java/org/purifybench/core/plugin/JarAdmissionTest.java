package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.purifybench.spi.Kind;

/** Jars checked as data: every hostile jar is built here, and refused with its name, the reason and a fix. */
class JarAdmissionTest {
    private static final String SERVICES_DEFENSE = "META-INF/services/org.purifybench.spi.Defense";

    @TempDir
    Path dir;

    private PluginJarException refused(TestJars.Builder jar, JarLimits limits, String... mustContain) throws Exception {
        Path file = jar.write(dir.resolve("hostile.jar"));
        PluginJarException e = assertThrows(PluginJarException.class, () -> JarAdmission.admit(file, limits));
        assertTrue(e.getMessage().startsWith("plug-in jar " + file + " refused: "), e.getMessage());
        assertEquals(file, e.jar());
        assertTrue(e.fix() != null && !e.fix().isBlank(), "a fix is given");
        for (String s : mustContain) {
            assertTrue(e.oneLine().contains(s), "'" + s + "' missing in: " + e.oneLine());
        }
        return e;
    }

    private PluginJarException refused(TestJars.Builder jar, String... mustContain) throws Exception {
        return refused(jar, JarLimits.DEFAULTS, mustContain);
    }

    private static TestJars.Builder good() {
        return TestJars.plugin("GoodDefense", "TinyAttack");
    }

    @Test
    void aGoodJarIsAdmittedWithItsDescriptorAndServices() throws Exception {
        Path file = good().write(dir.resolve("good.jar"));
        JarAdmission.Admitted a = JarAdmission.admit(file, JarLimits.DEFAULTS);
        assertEquals(1, a.descriptor().spiVersion());
        assertEquals(List.of(new DescriptorFile.Declared(Kind.ATTACK, "tiny-attack", TestJars.className("TinyAttack"), "0.1", java.util.Set.of(),
                        "test fixture TinyAttack", ""),
                new DescriptorFile.Declared(Kind.DEFENSE, "good-defense", TestJars.className("GoodDefense"), "1.2.3", java.util.Set.of(),
                        "test fixture GoodDefense", "")), a.descriptor().plugins());
        assertEquals(List.of(TestJars.className("GoodDefense")), a.services().get(Kind.DEFENSE));
    }

    @Test
    void defaultLimitsAreTheDocumentedOnes() {
        JarLimits d = JarLimits.DEFAULTS;
        assertEquals(50L << 20, d.maxJarBytes());
        assertEquals(10_000, d.maxEntries());
        assertEquals(200L << 20, d.maxTotalBytes());
        assertEquals(100, d.maxRatio());
    }

    @Test
    void zipBombByRatio() throws Exception {
        // 20 MB of zeros deflate to about 20 KB: ratio about 1000
        refused(good().entry("data/zeros.bin", new byte[20 << 20]), "data/zeros.bin", "100 times", "zip bomb");
    }

    @Test
    void tooManyInflatedBytesInAll() throws Exception {
        byte[] noise = new byte[600 << 10];
        new Random(1).nextBytes(noise); // incompressible: only the total can refuse it
        TestJars.Builder jar = good().storedEntry("a.bin", noise).storedEntry("b.bin", noise);
        refused(jar, JarLimits.DEFAULTS.withMaxTotalBytes(1 << 20), "more than 1048576 bytes in all");
    }

    @Test
    void tooManyEntries() throws Exception {
        TestJars.Builder jar = good();
        for (int i = 0; i < 30; i++) {
            jar.entry("res/r" + i + ".txt", "x");
        }
        refused(jar, JarLimits.DEFAULTS.withMaxEntries(20), "entries, more than the limit of 20");
    }

    @Test
    void tooLargeAJar() throws Exception {
        refused(good(), JarLimits.DEFAULTS.withMaxJarBytes(1000), "more than the limit of 1000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x.txt", "res/../../x.txt", "/etc/x.txt", "res\\..\\x.txt", "C:/x.txt", "res//x.txt", "./x.txt"})
    void badPathNames(String name) throws Exception {
        refused(good().entry(name, "x"), name);
    }

    @Test
    void pathTraversalAndAbsolutePathSayWhat() throws Exception {
        refused(good().entry("../x", "x"), "'../x' leaves the jar");
        refused(good().entry("/abs/x", "x"), "'/abs/x' has an absolute path");
    }

    @Test
    void repeatedEntryName() throws Exception {
        Path file = good().entry("res/A.txt", "first").entry("res/B.txt", "other").write(dir.resolve("dup.jar"));
        TestJars.rename(file, "res/B.txt", "res/A.txt"); // ZipOutputStream refuses to write this itself
        PluginJarException e = assertThrows(PluginJarException.class, () -> JarAdmission.admit(file, JarLimits.DEFAULTS));
        assertTrue(e.getMessage().contains("'res/A.txt' twice"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lib/dependency.jar", "lib/x.zip", "web.war", "LIB/UPPER.JAR"})
    void nestedArchives(String name) throws Exception {
        refused(good().entry(name, "PK not really"), "nested archive", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"native/libx.so", "libx.so.1", "x.dll", "libx.dylib", "libx.jnilib"})
    void nativeLibraries(String name) throws Exception {
        refused(good().entry(name, "not really code"), "native library", name);
    }

    @Test
    void nativeCodeUnderAnInnocentName() throws Exception {
        byte[] elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
        refused(good().entry("res/data.bin", elf), "'res/data.bin' is a native library");
    }

    @ParameterizedTest
    @ValueSource(strings = {"org/purifybench/spi/Defense.class", "org/purifybench/core/UserException.class",
            "org/nd4j/linalg/factory/Nd4j.class", "org/bytedeco/javacpp/Pointer.class", "META-INF/versions/11/org/purifybench/spi/Kind.class",
            "org/purifybench/spi/Extra.class"})
    void shadedPlatformClasses(String name) throws Exception {
        PluginJarException e = refused(good().entry(name, TestJars.classBytes("GoodDefense")), "shaded platform classes", name);
        if (name.contains("nd4j")) {
            assertTrue(e.fix().contains("provided"), e.fix());
        }
    }

    @Test
    void manifestClassPathWouldLoadOtherFiles() throws Exception {
        String mf = "Manifest-Version: 1.0\r\nClass-Path: ../../platform/cli/target/lib/jackson-databind.jar\r\n\r\n";
        refused(good().entry("META-INF/MANIFEST.MF", mf), "Class-Path");
    }

    @Test
    void notAZip() throws Exception {
        Path file = dir.resolve("text.jar");
        Files.writeString(file, "hello");
        PluginJarException e = assertThrows(PluginJarException.class, () -> JarAdmission.admit(file, JarLimits.DEFAULTS));
        assertTrue(e.getMessage().contains("not a valid jar"), e.getMessage());
        PluginJarException missing = assertThrows(PluginJarException.class, () -> JarAdmission.admit(dir.resolve("nope.jar"), JarLimits.DEFAULTS));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void descriptorMissingOrTwice() throws Exception {
        refused(good().remove(DescriptorFile.PATH), "no plug-in descriptor " + DescriptorFile.PATH);
        refused(good().entry("meta-inf/purifybench/PLUGIN.properties", "spi-version = 1\n"), "exactly one plug-in descriptor");
    }

    @Test
    void wrongSpiVersion() throws Exception {
        String d = new String(descriptorOf("GoodDefense"), StandardCharsets.UTF_8);
        PluginJarException e = refused(TestJars.plugin("GoodDefense").descriptor(d.replace("spi-version = 1", "spi-version = 99")),
                "built for SPI 99, this host speaks SPI 1");
        assertTrue(e.fix().contains("rebuild"), e.fix());
    }

    private static byte[] descriptorOf(String... simpleNames) {
        return TestJars.descriptorOf(simpleNames).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void servicesEntryMissingOrDisagreeing() throws Exception {
        refused(TestJars.plugin("GoodDefense").remove(SERVICES_DEFENSE), "no services entry " + SERVICES_DEFENSE);
        refused(TestJars.plugin("GoodDefense").entry(SERVICES_DEFENSE, TestJars.className("GoodDefense") + "\ncom.example.Ghost\n"),
                "lists com.example.Ghost, which " + DescriptorFile.PATH + " does not declare");
        refused(TestJars.plugin("GoodDefense").entry(SERVICES_DEFENSE, "# nothing\n"), "does not list " + TestJars.className("GoodDefense"));
        refused(TestJars.plugin("GoodDefense").remove("com/example/plug/GoodDefense.class"), "has no com/example/plug/GoodDefense.class");
    }

    @Test
    void descriptorFileMistakes() throws Exception {
        String ok = new String(descriptorOf("GoodDefense"), StandardCharsets.UTF_8);
        refused(TestJars.plugin("GoodDefense").descriptor(ok + "defense.good-defense.descripton = typo\n"), "unknown key 'defense.good-defense.descripton'");
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.version = 1.2.3\n", "")), "lacks defense.good-defense.version");
        refused(TestJars.plugin("GoodDefense").descriptor(ok + "defense.good-defense.version = 2\n"), "more than once");
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("spi-version = 1\n", "")), "no spi-version");
        refused(TestJars.plugin("GoodDefense").descriptor("spi-version = 1\n"), "declares no plug-in");
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.", "defense.Good_Defense.")), "not a valid plug-in id");
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.", "defence.")), "unknown key");
    }

    @Test
    void needsAndDescriptionAreDeclaredStrictly() throws Exception {
        String ok = new String(descriptorOf("GoodDefense"), StandardCharsets.UTF_8);
        PluginJarException missing = refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.needs =\n", "")),
                "lacks defense.good-defense.needs");
        assertTrue(missing.fix().contains("defense.good-defense.needs = ") && missing.fix().contains("without loading the class"), missing.fix());
        PluginJarException unknown = refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.needs =",
                "defense.good-defense.needs = CLEAN_TUNING_DATA, TUNING_DATA")), "defense.good-defense.needs = CLEAN_TUNING_DATA, TUNING_DATA: 'TUNING_DATA' is not a need");
        assertTrue(unknown.fix().contains("CLEAN_TUNING_DATA, VALIDATION_DATA, ORACLE_TRIGGER"), unknown.fix());
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.needs =",
                "defense.good-defense.needs = VALIDATION_DATA,VALIDATION_DATA")), "lists VALIDATION_DATA twice");
        PluginJarException test = refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.needs =",
                "defense.good-defense.needs = TEST_DATA")), "defense.good-defense.needs with TEST_DATA, which a defense may never have");
        assertTrue(test.fix().contains("remove TEST_DATA"), test.fix());
        refused(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.description = test fixture GoodDefense\n",
                "defense.good-defense.description =\n")), "lacks defense.good-defense.description");
        // spaces around the names, and an optional paper
        DescriptorFile.Declared d = JarAdmission.admit(TestJars.plugin("GoodDefense").descriptor(ok.replace("defense.good-defense.needs =",
                        "defense.good-defense.needs =  VALIDATION_DATA ,CLEAN_TUNING_DATA ") + "defense.good-defense.paper = Someone, 2024\n")
                .write(dir.resolve("needs.jar")), JarLimits.DEFAULTS).descriptor().plugins().get(0);
        assertEquals(java.util.Set.of(org.purifybench.spi.Need.CLEAN_TUNING_DATA, org.purifybench.spi.Need.VALIDATION_DATA), d.needs());
        assertEquals("test fixture GoodDefense", d.description());
        assertEquals("Someone, 2024", d.descriptor().paper());
    }
}
