package org.purifybench.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

/**
 * Reads Fashion-MNIST from its original IDX files, so the benchmark runs on the exact data other
 * papers report on, from a local copy (the Debian package {@code dataset-fashion-mnist} or any
 * folder with the four files); nothing is downloaded at run time.
 */
public final class FashionMnist {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    public static final int NUM_CLASSES = 10;
    public static final int ROWS = 28;
    public static final int COLS = 28;

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    static final int IMAGES_MAGIC = 2051;
    static final int LABELS_MAGIC = 2049;

    static final String FIX = "install it with: apt-get install dataset-fashion-mnist, or point dataset.path at a folder"
            + " with the four IDX files (" + TRAIN_IMAGES + ".gz, " + TRAIN_LABELS + ".gz, " + TEST_IMAGES + ".gz, "
            + TEST_LABELS + ".gz; uncompressed also works)";
    private static final String FIX_CORRUPT = "the file is damaged or not Fashion-MNIST: reinstall it with:"
            + " apt-get install --reinstall dataset-fashion-mnist, or replace the file with an intact copy";

    private FashionMnist() {
    }

    /** Loads the training (60,000) and test (10,000) sets from {@code dir}. */
    public static Dataset load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("Fashion-MNIST folder " + dir + " does not exist", FIX);
        }
        LabeledImages train = readPair(dir, TRAIN_IMAGES, TRAIN_LABELS);
        LabeledImages test = readPair(dir, TEST_IMAGES, TEST_LABELS);
        return new Dataset("fashion-mnist", train, test, dir.toAbsolutePath().toString());
    }

    private static LabeledImages readPair(Path dir, String imagesName, String labelsName) {
        Path imagesFile = find(dir, imagesName);
        Path labelsFile = find(dir, labelsName);
        float[] pixels = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        int n = pixels.length / (ROWS * COLS);
        if (n != labels.length) {
            throw new UserException(imagesFile + " has " + n + " images but " + labelsFile + " has " + labels.length
                    + " labels", "use image and label files from the same copy of Fashion-MNIST");
        }
        INDArray images = Nd4j.create(pixels, new long[] {n, 1, ROWS, COLS});
        return new LabeledImages(images, labels, NUM_CLASSES);
    }

    /** The gzipped file as distributed, or else the same name unpacked. */
    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new UserException("Fashion-MNIST file " + gz + " is missing (nor is there " + plain + ")", FIX);
    }

    /** Pixels of an IDX3 image file as one flat array of N*28*28 values in [0,1]. */
    static float[] readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = readHeaderInt(in, file);
            if (magic != IMAGES_MAGIC) {
                throw corrupt(file, "has magic number " + magic + ", expected " + IMAGES_MAGIC + " for an IDX image file");
            }
            int count = readHeaderInt(in, file);
            int rows = readHeaderInt(in, file);
            int cols = readHeaderInt(in, file);
            if (rows != ROWS || cols != COLS) {
                throw corrupt(file, "holds " + rows + "x" + cols + " images, expected " + ROWS + "x" + COLS);
            }
            if (count <= 0 || count > Integer.MAX_VALUE / (ROWS * COLS)) {
                throw corrupt(file, "declares " + count + " images");
            }
            // Reading what is actually there (rather than allocating what the header claims) keeps a
            // damaged header from exhausting memory and tells truncation from trailing garbage.
            byte[] bytes = in.readAllBytes();
            long expected = (long) count * ROWS * COLS;
            checkLength(file, bytes.length, expected, count + " images");
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = (bytes[i] & 0xff) / 255f;
            }
            return pixels;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** Labels of an IDX1 label file, each checked to be a class index. */
    static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = readHeaderInt(in, file);
            if (magic != LABELS_MAGIC) {
                throw corrupt(file, "has magic number " + magic + ", expected " + LABELS_MAGIC + " for an IDX label file");
            }
            int count = readHeaderInt(in, file);
            if (count <= 0) {
                throw corrupt(file, "declares " + count + " labels");
            }
            byte[] bytes = in.readAllBytes();
            checkLength(file, bytes.length, count, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = bytes[i] & 0xff;
                if (labels[i] >= NUM_CLASSES) {
                    throw corrupt(file, "has label " + labels[i] + " at index " + i + ", outside 0.." + (NUM_CLASSES - 1));
                }
            }
            return labels;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return new DataInputStream(file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static int readHeaderInt(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw corrupt(file, "is truncated: it ends inside its header");
        }
    }

    private static void checkLength(Path file, long actual, long expected, String what) {
        if (actual < expected) {
            throw corrupt(file, "is truncated: its header declares " + what + " (" + expected + " bytes) but only "
                    + actual + " bytes follow");
        }
        if (actual > expected) {
            throw corrupt(file, "has " + (actual - expected) + " bytes beyond the " + what + " its header declares");
        }
    }

    private static UserException corrupt(Path file, String problem) {
        return new UserException("Fashion-MNIST file " + file + " " + problem, FIX_CORRUPT);
    }

    private static UserException unreadable(Path file, IOException e) {
        if (e instanceof ZipException || e instanceof EOFException) {
            // GZIPInputStream reports a cut-off or non-gzip file this way, not as a short read.
            return new UserException("Fashion-MNIST file " + file + " is not a complete gzip file (" + e.getMessage() + ")",
                    FIX_CORRUPT, e);
        }
        return new UserException("cannot read Fashion-MNIST file " + file + ": " + e.getMessage(),
                "check that the file is readable by this user", e);
    }
}
