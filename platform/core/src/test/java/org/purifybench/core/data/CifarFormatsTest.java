package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

/** CIFAR-10's python version and CIFAR-100 (binary and python), from generated files in each real format. */
class CifarFormatsTest {
    @TempDir
    Path dir;

    /** rows x 3072 bytes where pixel k of row r is (r * 7 + k) mod 251. */
    static byte[] pixels(int rows, int seed) {
        byte[] b = new byte[rows * 3072];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < 3072; k++) {
                b[r * 3072 + k] = (byte) ((seed + r * 7 + k) % 251);
            }
        }
        return b;
    }

    private void writePythonCifar10(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (int b = 1; b <= 5; b++) {
            Files.write(folder.resolve("data_batch_" + b), Py2Pickles.batch(pixels(2, b), 2, List.of(b - 1, b + 4), "labels"));
        }
        Files.write(folder.resolve("test_batch"), Py2Pickles.batch(pixels(3, 100), 3, List.of(9, 0, 3), "labels"));
    }

    @Test
    void cifar10PythonVersionIsReadExactly() throws IOException {
        writePythonCifar10(dir.resolve("cifar-10-batches-py"));
        Dataset d = Cifar10.load(dir);
        assertArrayEquals(new long[] {10, 3, 32, 32}, d.train().images().shape());
        assertArrayEquals(new int[] {0, 5, 1, 6, 2, 7, 3, 8, 4, 9}, d.train().labels());
        assertArrayEquals(new int[] {9, 0, 3}, d.test().labels());
        // test row 2, green plane (k = 1024 + y*32 + x), y=5, x=7
        int k = 1024 + 5 * 32 + 7;
        assertEquals(((100 + 2 * 7 + k) % 251) / 255f, d.test().images().getFloat(2, 1, 5, 7), 1e-7);
        assertTrue(d.source().endsWith("cifar-10-batches-py"), d.source());
    }

    @Test
    void generatedPythonFilesAreReportedUnverifiedAgainstTorchvisionsMd5() throws IOException {
        writePythonCifar10(dir.resolve("cifar-10-batches-py"));
        DataVerification v = Cifar10.load(dir).verification();
        assertFalse(v.verified());
        assertTrue(v.summary().startsWith("UNVERIFIED") && v.summary().contains("c99cafc152244af753f735de768cd75f")
                && v.summary().contains("torchvision"), v.summary());
    }

    @Test
    void pythonFilesMatchingTheCatalogAreVerified() throws IOException {
        Path folder = dir.resolve("cifar-10-batches-py");
        writePythonCifar10(folder);
        List<String> names = new ArrayList<>(Cifar10.TRAIN_PY);
        names.add(Cifar10.TEST_PY);
        java.util.Map<String, String> md5 = new java.util.HashMap<>();
        for (String n : names) {
            md5.put(n, Checksums.md5(folder.resolve(n)));
        }
        DataCatalog.Entry official = DataCatalog.official().entry("cifar10");
        DataCatalog catalog = new DataCatalog(List.of(new DataCatalog.Entry("cifar10", "test", List.of(
                official.variant("binary").orElseThrow(),
                new DataCatalog.Variant("python", official.variant("python").orElseThrow().archives(), "cifar-10-batches-py", md5,
                        "a catalog built in the test")), "x")));
        DataVerification v = Cifar10.load(dir, catalog).verification();
        assertTrue(v.verified(), v.summary());
        assertTrue(v.summary().contains("data_batch_1") && v.summary().contains("built in the test"), v.summary());
    }

    @Test
    void cifar100BinaryUsesTheFineLabel() throws IOException {
        Path folder = dir.resolve("cifar-100-binary");
        Files.createDirectories(folder);
        Files.write(folder.resolve("train.bin"), records(new int[][] {{3, 42}, {19, 99}, {0, 7}}));
        Files.write(folder.resolve("test.bin"), records(new int[][] {{5, 55}}));
        Dataset d = Cifar100.load(dir);
        assertEquals(100, d.numClasses());
        assertArrayEquals(new int[] {42, 99, 7}, d.train().labels());
        assertArrayEquals(new int[] {55}, d.test().labels());
        assertEquals((1 * 13 + 2048 + 31) % 256 / 255f, d.train().images().getFloat(1, 2, 0, 31), 1e-7);
        assertFalse(d.verification().verified());
        assertTrue(d.verification().summary().contains("no " + DataManifest.FILE_NAME) || d.verification().summary().contains("manifest"),
                d.verification().summary());
    }

    /** Binary CIFAR-100 records: coarse, fine, then 3072 bytes where byte k of record r is (r*13 + k) mod 256. */
    private static byte[] records(int[][] coarseFine) {
        byte[] out = new byte[coarseFine.length * 3074];
        for (int r = 0; r < coarseFine.length; r++) {
            out[r * 3074] = (byte) coarseFine[r][0];
            out[r * 3074 + 1] = (byte) coarseFine[r][1];
            for (int k = 0; k < 3072; k++) {
                out[r * 3074 + 2 + k] = (byte) (r * 13 + k);
            }
        }
        return out;
    }

    @Test
    void cifar100PythonUsesFineLabels() throws IOException {
        Path folder = dir.resolve("cifar-100-python");
        Files.createDirectories(folder);
        Files.write(folder.resolve("train"), Py2Pickles.batch(pixels(3, 1), 3, List.of(99, 0, 50), "fine_labels"));
        Files.write(folder.resolve("test"), Py2Pickles.batch(pixels(1, 2), 1, List.of(77), "fine_labels"));
        Dataset d = Cifar100.load(dir);
        assertArrayEquals(new int[] {99, 0, 50}, d.train().labels());
        assertArrayEquals(new int[] {77}, d.test().labels());
        assertEquals(((2 + 0 + 3071) % 251) / 255f, d.test().images().getFloat(0, 2, 31, 31), 1e-7);
    }

    @Test
    void aPickleAskingForAnotherGlobalIsRefusedNotRun() throws IOException {
        Path folder = dir.resolve("cifar-10-batches-py");
        writePythonCifar10(folder);
        Files.write(folder.resolve("data_batch_3"), Py2Pickles.hostile());
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("data_batch_3") && e.getMessage().contains("os.system") && e.getMessage().contains("not allowed"),
                e.getMessage());
        assertFalse(Files.exists(Path.of("/tmp/pwned")));
    }

    @Test
    void aForgedStringLengthIsRefusedWithoutAllocatingIt() throws IOException {
        Path folder = dir.resolve("cifar-10-batches-py");
        writePythonCifar10(folder);
        byte[] b = Py2Pickles.batch(pixels(1, 0), 1, List.of(1), "labels");
        byte[] cut = java.util.Arrays.copyOf(b, b.length - 2000);
        Files.write(folder.resolve("test_batch"), cut);
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("test_batch") && e.getMessage().contains("remain"), e.getMessage());
    }

    @Test
    void missingCifar100NamesFilesAndTheAddCommand() {
        UserException e = assertThrows(UserException.class, () -> Cifar100.load(dir));
        assertTrue(e.getMessage().contains("train.bin, test.bin"), e.getMessage());
        assertTrue(e.fix().contains("purifybench data add cifar100 https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")
                && e.fix().contains("03b5dce01913d631647c71ecec9e9cb8"), e.fix());
    }

    @Test
    void writesAPickleForAManualCheckWithPython() throws IOException {
        // Kept small: the bytes /usr/bin/python3 was pointed at once (see Py2Pickles); also a sanity check of the writer.
        byte[] b = Py2Pickles.batch(pixels(2, 0), 2, List.of(3, 4), "labels");
        Path f = dir.resolve("check.pkl");
        Files.write(f, b);
        CifarPickle.Batch batch = CifarPickle.read(f, "labels", "fix");
        assertArrayEquals(new int[] {3, 4}, batch.labels());
        assertArrayEquals(pixels(2, 0), batch.data());
        String out = System.getenv("PURIFYBENCH_TEST_PICKLE_OUT");
        if (out != null) {
            Files.write(Path.of(out), b);
        }
    }
}
