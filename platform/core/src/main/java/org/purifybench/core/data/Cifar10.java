package org.purifybench.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

/**
 * Reads CIFAR-10 from the "binary version" files, the 3-channel counterpart to Fashion-MNIST that
 * most backdoor papers report on. There is no system package for it, so the user supplies a folder.
 */
public final class Cifar10 {
    public static final int NUM_CLASSES = 10;
    public static final int CHANNELS = 3;
    public static final int SIDE = 32;
    static final int PIXELS = CHANNELS * SIDE * SIDE;
    /** One label byte, then the red, green and blue planes, each 32x32 row-major. */
    static final int RECORD = 1 + PIXELS;

    static final String SUBDIR = "cifar-10-batches-bin";
    static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";

    static final String FIX = "download the CIFAR-10 binary version (cifar-10-binary.tar.gz) on a machine with"
            + " internet access, unpack it, and point dataset.path at the folder holding data_batch_1.bin..data_batch_5.bin"
            + " and test_batch.bin (or at its parent)";
    private static final String FIX_CORRUPT = "the file is damaged or not the CIFAR-10 binary version (the python and"
            + " matlab versions do not work): replace it with an intact copy of cifar-10-binary.tar.gz";

    private Cifar10() {
    }

    /** Loads the 50,000 training and 10,000 test images from {@code dir} or {@code dir/cifar-10-batches-bin}. */
    public static Dataset load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("CIFAR-10 folder " + dir + " does not exist", FIX);
        }
        Path base = locate(dir);
        List<Path> trainFiles = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            trainFiles.add(base.resolve(name));
        }
        LabeledImages train = read(trainFiles);
        LabeledImages test = read(List.of(base.resolve(TEST_FILE)));
        return new Dataset("cifar10", train, test, base.toAbsolutePath().toString());
    }

    /** The folder that holds all six files: {@code dir} itself, or the subfolder the tarball unpacks to. */
    private static Path locate(Path dir) {
        for (Path candidate : List.of(dir, dir.resolve(SUBDIR))) {
            if (missing(candidate).isEmpty()) {
                return candidate;
            }
        }
        // Report against whichever folder looks like the intended one, so the list of missing files is short.
        Path nested = dir.resolve(SUBDIR);
        Path intended = Files.isDirectory(nested) ? nested : dir;
        throw new UserException("CIFAR-10 files missing in " + intended + ": " + String.join(", ", missing(intended)), FIX);
    }

    private static List<String> missing(Path dir) {
        List<String> absent = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                absent.add(name);
            }
        }
        if (!Files.isRegularFile(dir.resolve(TEST_FILE))) {
            absent.add(TEST_FILE);
        }
        return absent;
    }

    /** All records of the given files, in order, as one [N,3,32,32] set. */
    static LabeledImages read(List<Path> files) {
        long total = 0;
        for (Path file : files) {
            total += recordCount(file);
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new UserException("CIFAR-10 files hold " + total + " images, too many for one array", FIX_CORRUPT);
        }
        int n = (int) total;
        float[] pixels = new float[n * PIXELS];
        int[] labels = new int[n];
        int row = 0;
        for (Path file : files) {
            byte[] bytes = readAll(file);
            // Re-check: the file may have changed since it was sized, and an index error would be no help.
            if (bytes.length % RECORD != 0 || row + bytes.length / RECORD > n) {
                throw new UserException("CIFAR-10 file " + file + " changed while being read", "run again");
            }
            for (int off = 0; off < bytes.length; off += RECORD, row++) {
                int label = bytes[off] & 0xff;
                if (label >= NUM_CLASSES) {
                    throw new UserException("CIFAR-10 file " + file + " has label " + label + " in record " + (off / RECORD)
                            + ", outside 0.." + (NUM_CLASSES - 1), FIX_CORRUPT);
                }
                labels[row] = label;
                // The record's pixel bytes are already in C,H,W row-major order, which is NCHW's per-image layout.
                int base = row * PIXELS;
                for (int k = 0; k < PIXELS; k++) {
                    pixels[base + k] = (bytes[off + 1 + k] & 0xff) / 255f;
                }
            }
        }
        INDArray images = Nd4j.create(pixels, new long[] {n, CHANNELS, SIDE, SIDE});
        return new LabeledImages(images, labels, NUM_CLASSES);
    }

    private static long recordCount(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UserException("cannot read CIFAR-10 file " + file + ": " + e.getMessage(),
                    "check that the file is readable by this user", e);
        }
        if (size == 0 || size % RECORD != 0) {
            throw new UserException("CIFAR-10 file " + file + " has " + size + " bytes, which is not a positive multiple of the "
                    + RECORD + "-byte record size", FIX_CORRUPT);
        }
        return size / RECORD;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserException("cannot read CIFAR-10 file " + file + ": " + e.getMessage(),
                    "check that the file is readable by this user", e);
        }
    }
}
