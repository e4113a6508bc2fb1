package org.purifybench.core.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/** The sandbox's data exchange and its refusals, without starting a child. */
class SandboxExchangeTest {
    static final ModelSpec SPEC = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 12, 12), 4, 4);

    @Test
    void modelsRoundTripExactly(@TempDir Path dir) throws IOException {
        SdModel m = SdModel.create(SPEC, 3);
        Path f = dir.resolve("m");
        Exchange.writeModel(m, f);
        assertEquals(Exchange.modelFileBytes(SPEC), Files.size(f));
        SdModel back = (SdModel) Exchange.readModel(f, SPEC);
        assertArrayEquals(m.flatParameters().toFloatVector(), back.flatParameters().toFloatVector());
        m.state().forEach((k, v) -> assertArrayEquals(v.dup().data().asFloat(), back.state().get(k).dup().data().asFloat(), k));
    }

    @Test
    void imagesRoundTripExactly(@TempDir Path dir) throws IOException {
        LabeledImages d = SyntheticImages.generate(SPEC.shape(), 4, 30, 10, 1).train();
        Path f = dir.resolve("i");
        Exchange.writeImages(d, f);
        LabeledImages back = Exchange.readImages(f);
        assertArrayEquals(d.labels(), back.labels());
        assertEquals(d.numClasses(), back.numClasses());
        assertEquals(d.images(), back.images());
    }

    @Test
    void refusesAnotherArchitectureNonFiniteValuesAndMalformedFiles(@TempDir Path dir) throws IOException {
        Path other = dir.resolve("other");
        Exchange.writeModel(SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, SPEC.shape(), 4, 8), 0), other);
        assertRefused(other, "another architecture");

        SdModel nan = SdModel.create(SPEC, 0);
        nan.state().values().iterator().next().putScalar(0, Float.POSITIVE_INFINITY);
        Path inf = dir.resolve("inf");
        Exchange.writeModel(nan, inf);
        assertRefused(inf, "non-finite");

        Path good = dir.resolve("good");
        Exchange.writeModel(SdModel.create(SPEC, 0), good);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated"), java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertRefused(truncated, "fewer bytes");
        Path longer = Files.write(dir.resolve("longer"), java.util.Arrays.copyOf(bytes, bytes.length + 4));
        assertRefused(longer, "more bytes");
        Path garbage = Files.write(dir.resolve("garbage"), new byte[bytes.length]);
        assertRefused(garbage, "not a sandbox model file");
        Path link = Files.createSymbolicLink(dir.resolve("link"), good);
        assertRefused(link, "not a regular file");
        assertRefused(dir.resolve("missing"), "no model file");

        // a file whose header says a huge array: refused on its shape, nothing allocated from it
        Path huge = dir.resolve("huge");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(huge))) {
            out.writeUTF("PURIFYBENCH-SANDBOX-MODEL-1");
            out.writeUTF(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(SPEC));
            out.writeInt(SdModel.create(SPEC, 0).parameters().size() + SdModel.create(SPEC, 0).state().size());
            out.writeUTF("conv0_W");
            out.writeByte(0);
            out.writeInt(4);
            for (int i = 0; i < 4; i++) {
                out.writeLong(1L << 40);
            }
            out.write(new byte[(int) (bytes.length - Files.size(huge))]);
        }
        assertEquals(bytes.length, Files.size(huge));
        assertRefused(huge, "has shape");
    }

    private static void assertRefused(Path file, String why) {
        Exchange.InvalidModelException e = assertThrows(Exchange.InvalidModelException.class, () -> Exchange.readModel(file, SPEC));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void anOracleDefenseIsRefusedBeforeAnythingRuns() {
        PluginDescriptor oracle = new PluginDescriptor(Kind.DEFENSE, "oracle", "1", "", "", Set.of(Need.ORACLE_TRIGGER), SpiVersion.CURRENT);
        UserException e = assertThrows(UserException.class, () -> Sandbox.requireSupported(oracle, Path.of("submissions/oracle.jar")));
        assertTrue(e.getMessage().contains("ORACLE_TRIGGER") && e.getMessage().contains("submissions/oracle.jar"), e.getMessage());
    }

    @Test
    void withoutTheSandboxToolsNothingRuns(@TempDir Path dir) {
        String before = Confinement.unshare;
        Confinement.unshare = dir.resolve("no-such-unshare").toString();
        Confinement.reprobe();
        try {
            PluginDescriptor d = PluginDescriptor.of(Kind.DEFENSE, "any", "1", "", "", Need.CLEAN_TUNING_DATA);
            Sandbox sandbox = new Sandbox(dir.resolve("jobs"), SandboxLimits.DEFAULTS, List.of(), s -> { });
            SandboxException e = assertThrows(SandboxException.class, () -> sandbox.purify(dir.resolve("x.jar"), d,
                    SdModel.create(SPEC, 0), null, null, () -> null, 0, Params.empty()));
            assertEquals(SandboxStatus.UNAVAILABLE, e.status());
            assertTrue(e.getMessage().contains("cannot run unshare") && e.fix().contains("third-party jars run nowhere else"), e.oneLine());
            assertTrue(Files.notExists(dir.resolve("jobs")), "no job folder, no data written");
        } finally {
            Confinement.unshare = before;
            Confinement.reprobe();
        }
    }

    @Test
    void limitsFromSystemProperties() {
        System.setProperty("purifybench.sandbox.wall", "PT2H");
        System.setProperty("purifybench.sandbox.heap", "2g");
        try {
            SandboxLimits l = SandboxLimits.fromSystemProperties();
            assertEquals(java.time.Duration.ofHours(2), l.wall());
            assertEquals(2L << 30, l.heapBytes());
            assertEquals(SandboxLimits.DEFAULTS.physicalBytes(), l.physicalBytes());
            System.setProperty("purifybench.sandbox.heap", "lots");
            assertThrows(UserException.class, SandboxLimits::fromSystemProperties);
        } finally {
            System.clearProperty("purifybench.sandbox.wall");
            System.clearProperty("purifybench.sandbox.heap");
        }
    }

    @Test
    void shellQuoting() {
        assertEquals("'a b'", Confinement.quote("a b"));
        assertEquals("'it'\\''s'", Confinement.quote("it's"));
    }
}
