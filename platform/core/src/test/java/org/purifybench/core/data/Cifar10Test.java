package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.core.UserException;

class Cifar10Test {
    private static final int RECORD = 3073;

    @TempDir
    Path dir;

    /** One record with label {@code label} and a single non-zero byte at channel c, row y, column x. */
    private static byte[] record(int label, int c, int y, int x, int value) {
        byte[] r = new byte[RECORD];
        r[0] = (byte) label;
        r[1 + c * 1024 + y * 32 + x] = (byte) value;
        return r;
    }

    private static byte[] concat(byte[]... records) {
        byte[] out = new byte[records.length * RECORD];
        for (int i = 0; i < records.length; i++) {
            System.arraycopy(records[i], 0, out, i * RECORD, RECORD);
        }
        return out;
    }

    /** Batch b (1..5) holds two records labelled b-1 and b+4; the test batch three labelled 0, 1, 2. */
    private static void writeValid(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (int b = 1; b <= 5; b++) {
            Files.write(folder.resolve("data_batch_" + b + ".bin"),
                    concat(record(b - 1, 0, 0, 0, 1), record(b + 4, 1, 2, 3, 2)));
        }
        Files.write(folder.resolve("test_batch.bin"),
                concat(record(0, 0, 0, 0, 0), record(1, 0, 0, 0, 0), record(2, 2, 5, 7, 200)));
    }

    @Test
    void pixelLandsAtChannelRowColumn() throws IOException {
        writeValid(dir);
        Dataset d = Cifar10.load(dir);

        assertEquals("cifar10", d.name());
        assertArrayEquals(new long[] {10, 3, 32, 32}, d.train().images().shape());
        assertArrayEquals(new long[] {3, 3, 32, 32}, d.test().images().shape());
        // Blue plane, row 5, column 7 - not its transpose (7,5) nor another channel.
        assertEquals(200f / 255f, d.test().images().getFloat(2, 2, 5, 7), 1e-7);
        assertEquals(0f, d.test().images().getFloat(2, 2, 7, 5));
        assertEquals(0f, d.test().images().getFloat(2, 0, 5, 7));
        assertEquals(200f / 255f, d.test().images().get(NDArrayIndex.point(2)).sumNumber().floatValue(), 1e-6);
        assertEquals(0f, d.test().images().get(NDArrayIndex.interval(0, 2)).sumNumber().floatValue());
        // Green plane, row 2, column 3 of the second record in batch 3 (row 5 overall).
        assertEquals(2f / 255f, d.train().images().getFloat(5, 1, 2, 3), 1e-7);
    }

    @Test
    void trainingBatchesAreConcatenatedInOrder() throws IOException {
        writeValid(dir);
        Dataset d = Cifar10.load(dir);
        assertArrayEquals(new int[] {0, 5, 1, 6, 2, 7, 3, 8, 4, 9}, d.train().labels());
        assertArrayEquals(new int[] {0, 1, 2}, d.test().labels());
        assertEquals(10, d.numClasses());
    }

    @Test
    void acceptsTheFolderTheTarballUnpacksTo() throws IOException {
        writeValid(dir.resolve("cifar-10-batches-bin"));
        Dataset d = Cifar10.load(dir);
        assertEquals(10, d.train().size());
        assertTrue(d.source().endsWith("cifar-10-batches-bin"), d.source());
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        writeValid(dir);
        Files.delete(dir.resolve("data_batch_4.bin"));
        Files.delete(dir.resolve("test_batch.bin"));
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("data_batch_4.bin, test_batch.bin"), e.getMessage());
        assertTrue(!e.getMessage().contains("data_batch_1.bin"), e.getMessage());
        assertTrue(e.fix().contains("binary version") && e.fix().contains("dataset.path"), e.fix());
    }

    @Test
    void missingFolderSaysHowToGetTheData() {
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir.resolve("absent")));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
        assertTrue(e.fix().contains("dataset.path"), e.fix());
    }

    @Test
    void sizeNotAMultipleOfTheRecordIsRejected() throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("data_batch_2.bin"), new byte[RECORD + 1]);
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("data_batch_2.bin") && e.getMessage().contains("3074 bytes")
                && e.getMessage().contains("3073"), e.getMessage());
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        writeValid(dir);
        Files.write(dir.resolve("test_batch.bin"), new byte[0]);
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("test_batch.bin") && e.getMessage().contains("0 bytes"), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsRejected() throws IOException {
        writeValid(dir);
        byte[] batch = concat(record(3, 0, 0, 0, 0), record(10, 0, 0, 0, 0));
        Files.write(dir.resolve("data_batch_5.bin"), batch);
        UserException e = assertThrows(UserException.class, () -> Cifar10.load(dir));
        assertTrue(e.getMessage().contains("data_batch_5.bin") && e.getMessage().contains("label 10 in record 1"), e.getMessage());
    }

    @Test
    void valuesAreScaledToUnitRange() throws IOException {
        writeValid(dir);
        byte[] white = new byte[RECORD];
        Arrays.fill(white, (byte) 255);
        white[0] = 3;
        Files.write(dir.resolve("test_batch.bin"), white);
        Dataset d = Cifar10.load(dir);
        assertEquals(1f, d.test().images().minNumber().floatValue());
        assertEquals(1f, d.test().images().maxNumber().floatValue());
    }
}
