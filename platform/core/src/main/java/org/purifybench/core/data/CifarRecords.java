package org.purifybench.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

/**
 * The layout CIFAR-10 and CIFAR-100 share: 3x32x32 images as red, green and blue planes of row-major
 * bytes, in the binary version preceded by {@code labelBytes} label bytes (CIFAR-100: coarse, fine).
 */
final class CifarRecords {
    static final int CHANNELS = 3;
    static final int SIDE = 32;
    static final int PIXELS = CHANNELS * SIDE * SIDE;

    private CifarRecords() {
    }

    /**
     * All records of the binary-version files, in order, as one [N,3,32,32] set.
     *
     * @param labelBytes bytes before each image
     * @param labelAt    which of them is the label used (CIFAR-100's fine label is the second)
     */
    static LabeledImages readBinary(String title, List<Path> files, int labelBytes, int labelAt, int numClasses, String fixCorrupt) {
        int record = labelBytes + PIXELS;
        long total = 0;
        for (Path file : files) {
            long size = size(title, file);
            if (size == 0 || size % record != 0) {
                throw new UserException(title + " file " + file + " has " + size + " bytes, which is not a positive multiple of the "
                        + record + "-byte record size", fixCorrupt);
            }
            total += size / record;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new UserException(title + " files hold " + total + " images, too many for one array", fixCorrupt);
        }
        int n = (int) total;
        float[] pixels = new float[n * PIXELS];
        int[] labels = new int[n];
        int row = 0;
        for (Path file : files) {
            byte[] bytes = readAll(title, file);
            // Re-check: the file may have changed since it was sized, and an index error would be no help.
            if (bytes.length % record != 0 || row + bytes.length / record > n) {
                throw new UserException(title + " file " + file + " changed while being read", "run again");
            }
            for (int off = 0; off < bytes.length; off += record, row++) {
                int label = bytes[off + labelAt] & 0xff;
                if (label >= numClasses) {
                    throw new UserException(title + " file " + file + " has label " + label + " in record " + (off / record)
                            + ", outside 0.." + (numClasses - 1), fixCorrupt);
                }
                labels[row] = label;
                toFloats(bytes, off + labelBytes, pixels, row * PIXELS);
            }
        }
        return new LabeledImages(Nd4j.create(pixels, new long[] {n, CHANNELS, SIDE, SIDE}), labels, numClasses);
    }

    /** Python-version batches (already parsed), concatenated in order. */
    static LabeledImages fromPickles(String title, List<CifarPickle.Batch> batches, int numClasses, String fixCorrupt) {
        int n = batches.stream().mapToInt(b -> b.labels().length).sum();
        float[] pixels = new float[n * PIXELS];
        int[] labels = new int[n];
        int row = 0;
        for (CifarPickle.Batch batch : batches) {
            for (int i = 0; i < batch.labels().length; i++, row++) {
                int label = batch.labels()[i];
                if (label < 0 || label >= numClasses) {
                    throw new UserException(title + " batch has label " + label + " at index " + i + ", outside 0.." + (numClasses - 1),
                            fixCorrupt);
                }
                labels[row] = label;
                // The python version's rows hold the same plane order as the binary version's records.
                toFloats(batch.data(), i * PIXELS, pixels, row * PIXELS);
            }
        }
        INDArray images = Nd4j.create(pixels, new long[] {n, CHANNELS, SIDE, SIDE});
        return new LabeledImages(images, labels, numClasses);
    }

    private static void toFloats(byte[] src, int from, float[] dst, int to) {
        for (int k = 0; k < PIXELS; k++) {
            dst[to + k] = (src[from + k] & 0xff) / 255f;
        }
    }

    private static long size(String title, Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UserException("cannot read " + title + " file " + file + ": " + e.getMessage(),
                    "check that the file is readable by this user", e);
        }
    }

    private static byte[] readAll(String title, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserException("cannot read " + title + " file " + file + ": " + e.getMessage(),
                    "check that the file is readable by this user", e);
        }
    }
}
