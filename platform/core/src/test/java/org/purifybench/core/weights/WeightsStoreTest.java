package org.purifybench.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.UserException;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.spi.ImageShape;

/** The content-addressed store: import checks the architecture, finds by hash prefix, and refuses what does not fit or was damaged. */
class WeightsStoreTest {
    private static final ModelSpec SPEC = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(3, 8, 8), 5, 4);

    @TempDir
    Path dir;

    @Test
    void importStoresUnderTheFilesHashAndTheModelRoundTrips() throws Exception {
        HostModel model = Engines.defaultEngine().create(SPEC, 3);
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, StateDictMapper.toTorch(model.snapshot(), SPEC), Map.of());
        WeightsStore store = new WeightsStore(dir.resolve("store"));
        WeightsStore.Entry e = store.importFile(file, SPEC);
        assertEquals(WeightsStore.sha256(file), e.sha256());
        assertEquals(ModelSpec.CNN_SMALL, e.arch());
        assertEquals(e.sha256(), store.find(e.sha256().substring(0, 8)).sha256());
        assertNull(store.find("00000000"));
        // Importing again is a no-op with the same entry.
        assertEquals(e.file(), store.importFile(file, SPEC).file());

        StateDictMapper.Imported back = StateDictMapper.toOurs(store.tensors(e), SPEC, false);
        Map<String, INDArray> original = model.snapshot();
        assertEquals(original.keySet(), back.arrays().keySet());
        for (String k : original.keySet()) {
            assertArrayEquals(original.get(k).dup().reshape(-1).toFloatVector(), back.arrays().get(k).dup().reshape(-1).toFloatVector(), k);
        }
    }

    @Test
    void aStateDictOfAnotherArchitectureOrShapeIsRefusedNamingTheKeys() throws Exception {
        HostModel wider = Engines.defaultEngine().create(ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(3, 8, 8), 5, 8), 3);
        Path file = dir.resolve("wide.safetensors");
        Safetensors.write(file, StateDictMapper.toTorch(wider.snapshot(), wider.spec()), Map.of());
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> new WeightsStore(dir.resolve("s")).importFile(file, SPEC));
        assertTrue(e.getMessage().contains("do not fit cnn-small") && e.getMessage().contains("needs ["), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("s")) || Files.list(dir.resolve("s")).findAny().isEmpty(), "nothing stored");
    }

    @Test
    void aClassifierOfAnotherClassCountIsKeptInitialisedOnlyWhenAllowed() throws Exception {
        ModelSpec imagenetLike = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(3, 8, 8), 7, 4);
        HostModel source = Engines.defaultEngine().create(imagenetLike, 1);
        Map<String, TensorData> sd = StateDictMapper.toTorch(source.snapshot(), imagenetLike);
        StateDictMapper.Imported fit = StateDictMapper.toOurs(sd, SPEC, true);
        assertEquals(java.util.List.of("fc_W", "fc_b"), fit.keptInitial());
        assertThrows(WeightsFormatException.class, () -> StateDictMapper.toOurs(sd, SPEC, false));
        Map<String, TensorData> missing = new LinkedHashMap<>(sd);
        missing.remove(missing.keySet().iterator().next());
        assertThrows(WeightsFormatException.class, () -> StateDictMapper.toOurs(missing, SPEC, true), "a missing backbone key is an error");
    }

    @Test
    void aDamagedStoredFileIsReportedWithItsFixAndAnAmbiguousPrefixIsRefused() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Files.write(store.resolve("a".repeat(64) + ".safetensors"), new byte[] {1, 2, 3});
        UserException e = assertThrows(UserException.class, () -> new WeightsStore(store).list());
        assertTrue(e.fix().contains("weights import"), e.fix());
        Files.delete(store.resolve("a".repeat(64) + ".safetensors"));
        HostModel model = Engines.defaultEngine().create(SPEC, 3);
        for (String name : new String[] {"abcdef01" + "0".repeat(56), "abcdef01" + "1".repeat(56)}) {
            Safetensors.write(store.resolve(name + ".safetensors"), StateDictMapper.toTorch(model.snapshot(), SPEC), Map.of("arch", "cnn-small"));
        }
        UserException ambiguous = assertThrows(UserException.class, () -> new WeightsStore(store).find("abcdef01"));
        assertTrue(ambiguous.getMessage().contains("matches 2"), ambiguous.getMessage());
    }
}
