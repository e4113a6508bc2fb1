package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.core.UserException;

class FashionMnistTest {
    private static final int PIXELS = 28 * 28;

    @TempDir
    Path dir;

    /** Image i has pixel (y=i, x=2i) set to 10*(i+1), all else 0, so position and value are checkable. */
    private static byte[] images(int count, int rows, int cols) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(FashionMnist.IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < count; i++) {
            byte[] img = new byte[rows * cols];
            img[i * cols + 2 * i] = (byte) (10 * (i + 1));
            out.write(img);
        }
        return bytes.toByteArray();
    }

    private static byte[] labels(int... values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(FashionMnist.LABELS_MAGIC);
        out.writeInt(values.length);
        for (int v : values) {
            out.writeByte(v);
        }
        return bytes.toByteArray();
    }

    private void writeGz(String name, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".gz")))) {
            out.write(content);
        }
    }

    private void writeValid() throws IOException {
        writeGz(FashionMnist.TRAIN_IMAGES, images(3, 28, 28));
        writeGz(FashionMnist.TRAIN_LABELS, labels(9, 0, 4));
        writeGz(FashionMnist.TEST_IMAGES, images(2, 28, 28));
        writeGz(FashionMnist.TEST_LABELS, labels(1, 7));
    }

    private UserException loadFails() {
        return assertThrows(UserException.class, () -> FashionMnist.load(dir));
    }

    @Test
    void readsGzippedIdxIntoNchwInUnitRange() throws IOException {
        writeValid();
        Dataset d = FashionMnist.load(dir);

        assertEquals("fashion-mnist", d.name());
        assertArrayEquals(new long[] {3, 1, 28, 28}, d.train().images().shape());
        assertArrayEquals(new long[] {2, 1, 28, 28}, d.test().images().shape());
        assertArrayEquals(new int[] {9, 0, 4}, d.train().labels());
        assertArrayEquals(new int[] {1, 7}, d.test().labels());
        assertEquals(10, d.numClasses());
        INDArray train = d.train().images();
        for (int i = 0; i < 3; i++) {
            assertEquals(10f * (i + 1) / 255f, train.getFloat(i, 0, i, 2 * i), 1e-7);
            // Exactly one non-zero pixel per image: nothing landed anywhere else.
            assertEquals(10f * (i + 1) / 255f, train.get(NDArrayIndex.point(i)).sumNumber().floatValue(), 1e-6);
        }
        assertEquals(20f / 255f, d.test().images().getFloat(1, 0, 1, 2), 1e-7);
    }

    @Test
    void acceptsUncompressedFiles() throws IOException {
        Files.write(dir.resolve(FashionMnist.TRAIN_IMAGES), images(3, 28, 28));
        Files.write(dir.resolve(FashionMnist.TRAIN_LABELS), labels(9, 0, 4));
        Files.write(dir.resolve(FashionMnist.TEST_IMAGES), images(2, 28, 28));
        Files.write(dir.resolve(FashionMnist.TEST_LABELS), labels(1, 7));

        Dataset d = FashionMnist.load(dir);

        assertEquals(3, d.train().size());
        assertEquals(30f / 255f, d.train().images().getFloat(2, 0, 2, 4), 1e-7);
    }

    @Test
    void missingFolderSaysHowToInstall() {
        UserException e = assertThrows(UserException.class, () -> FashionMnist.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        assertTrue(e.fix().contains("apt-get install dataset-fashion-mnist"), e.fix());
    }

    @Test
    void missingFileIsNamed() throws IOException {
        writeValid();
        Files.delete(dir.resolve(FashionMnist.TEST_LABELS + ".gz"));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS), e.getMessage());
        assertTrue(e.fix().contains("apt-get install dataset-fashion-mnist"), e.fix());
    }

    @Test
    void wrongImageMagicIsNamed() throws IOException {
        writeValid();
        byte[] bad = images(3, 28, 28);
        bad[3] = 1; // magic 2051 -> 2049: a label file where images belong
        writeGz(FashionMnist.TRAIN_IMAGES, bad);
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_IMAGES) && e.getMessage().contains("magic number 2049"), e.getMessage());
    }

    @Test
    void wrongLabelMagicIsNamed() throws IOException {
        writeValid();
        writeGz(FashionMnist.TEST_LABELS, images(2, 28, 28));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS) && e.getMessage().contains("magic number 2051"), e.getMessage());
    }

    @Test
    void wrongDimensionsAreRejected() throws IOException {
        writeValid();
        writeGz(FashionMnist.TEST_IMAGES, images(2, 32, 28));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TEST_IMAGES) && e.getMessage().contains("32x28"), e.getMessage());
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        writeValid();
        writeGz(FashionMnist.TRAIN_LABELS, labels(9, 0));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_IMAGES) && e.getMessage().contains(FashionMnist.TRAIN_LABELS)
                && e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsRejected() throws IOException {
        writeValid();
        writeGz(FashionMnist.TRAIN_LABELS, labels(9, 10, 4));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_LABELS) && e.getMessage().contains("label 10 at index 1"), e.getMessage());
    }

    @Test
    void truncatedPixelsAreRejected() throws IOException {
        writeValid();
        byte[] full = images(3, 28, 28);
        writeGz(FashionMnist.TRAIN_IMAGES, Arrays.copyOf(full, full.length - 100));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_IMAGES) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsRejected() throws IOException {
        writeValid();
        Files.delete(dir.resolve(FashionMnist.TEST_LABELS + ".gz"));
        Files.write(dir.resolve(FashionMnist.TEST_LABELS), Arrays.copyOf(labels(1, 7), 6));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        writeValid();
        byte[] full = labels(1, 7);
        writeGz(FashionMnist.TEST_LABELS, Arrays.copyOf(full, full.length + 5));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS) && e.getMessage().contains("5 bytes beyond"), e.getMessage());
    }

    @Test
    void cutOffGzipIsRejected() throws IOException {
        writeValid();
        Path gz = dir.resolve(FashionMnist.TRAIN_IMAGES + ".gz");
        byte[] compressed = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(compressed, compressed.length / 2));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_IMAGES), e.getMessage());
    }

    @Test
    void notGzipAtAllIsRejected() throws IOException {
        writeValid();
        // An uncompressed file under the .gz name: a common mistake after unpacking by hand.
        Files.write(dir.resolve(FashionMnist.TRAIN_LABELS + ".gz"), labels(9, 0, 4));
        UserException e = loadFails();
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_LABELS) && e.getMessage().contains("gzip"), e.getMessage());
    }

    static boolean realDataPresent() {
        return Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_IMAGES + ".gz"));
    }

    @Test
    @EnabledIf("realDataPresent")
    void loadsTheInstalledPackage() {
        Dataset d = FashionMnist.load(FashionMnist.DEFAULT_DIR);

        assertArrayEquals(new long[] {60000, 1, 28, 28}, d.train().images().shape());
        assertArrayEquals(new long[] {10000, 1, 28, 28}, d.test().images().shape());
        assertEquals(0.0, d.train().images().minNumber().doubleValue());
        assertEquals(1.0, d.train().images().maxNumber().doubleValue(), 1e-6);
        int[] perClass = new int[10];
        for (int label : d.test().labels()) {
            perClass[label]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 1000);
        assertArrayEquals(expected, perClass, "Fashion-MNIST's test set has 1000 images per class");
    }
}
