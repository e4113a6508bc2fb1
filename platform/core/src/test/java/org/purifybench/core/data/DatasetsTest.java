package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

class DatasetsTest {
    @TempDir
    Path dir;

    @Test
    void unknownIdListsTheKnownOnes() {
        UserException e = assertThrows(UserException.class, () -> Datasets.load("mnist", null));
        assertTrue(e.getMessage().contains("'mnist'"), e.getMessage());
        for (String id : Datasets.IDS) {
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void nullIdListsTheKnownOnes() {
        UserException e = assertThrows(UserException.class, () -> Datasets.load(null, null));
        assertTrue(e.getMessage().contains("fashion-mnist, cifar10, cifar100, tiny-imagenet, gtsrb, synthetic"), e.getMessage());
    }

    @Test
    void syntheticIsTheFixedSmallSet() {
        Dataset d = Datasets.load("synthetic", null);
        assertArrayEquals(new long[] {2000, 1, 28, 28}, d.train().images().shape());
        assertArrayEquals(new long[] {500, 1, 28, 28}, d.test().images().shape());
        assertEquals(10, d.numClasses());
        assertEquals("synthetic seed 0", d.source());
    }

    @Test
    void fashionMnistInMissingFolderSaysHowToGetIt() {
        UserException e = assertThrows(UserException.class, () -> Datasets.load("fashion-mnist", dir.resolve("none")));
        assertTrue(e.fix().contains("apt-get install dataset-fashion-mnist") && e.fix().contains("dataset.path"), e.fix());
    }

    @Test
    void fashionMnistReadsTheGivenFolder() throws IOException {
        writeIdx(FashionMnist.TRAIN_IMAGES, FashionMnist.IMAGES_MAGIC, 2, 28 * 28);
        writeIdx(FashionMnist.TRAIN_LABELS, FashionMnist.LABELS_MAGIC, 2, 1);
        writeIdx(FashionMnist.TEST_IMAGES, FashionMnist.IMAGES_MAGIC, 1, 28 * 28);
        writeIdx(FashionMnist.TEST_LABELS, FashionMnist.LABELS_MAGIC, 1, 1);
        Dataset d = Datasets.load("fashion-mnist", dir);
        assertEquals(2, d.train().size());
        assertEquals(1, d.test().size());
        assertEquals(dir.toAbsolutePath().toString(), d.source());
    }

    /** Uncompressed IDX file of {@code count} all-zero items. */
    private void writeIdx(String name, int magic, int count, int itemBytes) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            out.writeInt(magic);
            out.writeInt(count);
            if (magic == FashionMnist.IMAGES_MAGIC) {
                out.writeInt(28);
                out.writeInt(28);
            }
            out.write(new byte[count * itemBytes]);
        }
    }

    @Test
    void aDatasetMissingFromTheDataDirSaysWhereToGetItAndTheAddCommand() {
        Path dataDir = dir.resolve("data");
        for (String id : java.util.List.of("cifar10", "cifar100", "tiny-imagenet", "gtsrb")) {
            UserException e = assertThrows(UserException.class, () -> Datasets.load(id, null, dataDir));
            assertTrue(e.getMessage().contains(dataDir.resolve(id).toString()) && e.getMessage().contains("not installed"), e.getMessage());
            DataCatalog.Archive a = DataCatalog.official().entry(id).preferred().archives().get(0);
            assertTrue(e.fix().contains("purifybench data add " + id + " ") && e.fix().contains(a.urls().get(0))
                    && e.fix().contains(a.md5()), e.fix());
        }
    }

    @Test
    void theDataDirPropertyIsTheDefault() {
        String old = System.getProperty(DataDir.PROPERTY);
        System.setProperty(DataDir.PROPERTY, dir.toString());
        try {
            assertEquals(dir, DataDir.resolve());
            UserException e = assertThrows(UserException.class, () -> Datasets.load("cifar10", null));
            assertTrue(e.getMessage().contains(dir.resolve("cifar10").toString()), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(DataDir.PROPERTY);
            } else {
                System.setProperty(DataDir.PROPERTY, old);
            }
        }
    }

    @Test
    void syntheticDataSaysItIsUnverified() {
        DataVerification v = Datasets.load("synthetic", null).verification();
        assertTrue(!v.verified() && v.summary().startsWith("UNVERIFIED: generated"), v.summary());
    }

    @Test
    void cifar10InEmptyFolderNamesTheMissingFiles() {
        UserException e = assertThrows(UserException.class, () -> Datasets.load("cifar10", dir));
        assertTrue(e.getMessage().contains("data_batch_1.bin") && e.getMessage().contains("test_batch.bin"), e.getMessage());
        assertTrue(e.fix().contains("dataset.path"), e.fix());
    }
}
