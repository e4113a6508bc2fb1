package org.purifybench.core.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.UserException;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;

/**
 * Generated stand-ins in the real files' formats, so that a profile of record can be planned and
 * run end to end (reduced) on a machine without the real data: the loaders read them like the real
 * thing, and since their checksums match nothing published, every run on them is reported as on
 * UNVERIFIED data. The images are {@link SyntheticImages}' class templates plus noise.
 */
public final class StandInData {
    /** The formats a stand-in can be written in: CIFAR-10's binary version, CIFAR-100's binary version. */
    public static final List<String> FORMATS = List.of("cifar10", "cifar100");

    private StandInData() {
    }

    /**
     * Writes {@code perClass} training and {@code testPerClass} test images per class in {@code format}'s
     * binary layout under {@code dir} (the subfolder the official archive unpacks to) and returns that subfolder.
     */
    public static Path write(String format, Path dir, int perClass, int testPerClass, long seed) throws IOException {
        int classes = switch (format) {
            case "cifar10" -> 10;
            case "cifar100" -> 100;
            default -> throw new UserException("no stand-in format '" + format + "'", "use one of: " + String.join(", ", FORMATS));
        };
        if (perClass < 1 || testPerClass < 1) {
            throw new UserException("a stand-in needs at least one image per class", "give --per-class and --test-per-class >= 1");
        }
        Dataset d = SyntheticImages.generate(new ImageShape(3, 32, 32), classes, perClass * classes, testPerClass * classes, seed);
        if (format.equals("cifar10")) {
            Path out = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
            // Five training batches as the real set has, the images dealt round-robin.
            int n = d.train().size();
            for (int b = 0; b < 5; b++) {
                try (OutputStream o = open(out.resolve("data_batch_" + (b + 1) + ".bin"))) {
                    for (int i = b; i < n; i += 5) {
                        record(o, d.train(), i, -1);
                    }
                }
            }
            try (OutputStream o = open(out.resolve("test_batch.bin"))) {
                for (int i = 0; i < d.test().size(); i++) {
                    record(o, d.test(), i, -1);
                }
            }
            Files.writeString(out.resolve("batches.meta.txt"), String.join("\n", List.of("airplane", "automobile", "bird", "cat",
                    "deer", "dog", "frog", "horse", "ship", "truck")) + "\n");
            return out;
        }
        Path out = Files.createDirectories(dir.resolve("cifar-100-binary"));
        try (OutputStream o = open(out.resolve("train.bin"))) {
            for (int i = 0; i < d.train().size(); i++) {
                record(o, d.train(), i, d.train().labels()[i] / 5);
            }
        }
        try (OutputStream o = open(out.resolve("test.bin"))) {
            for (int i = 0; i < d.test().size(); i++) {
                record(o, d.test(), i, d.test().labels()[i] / 5);
            }
        }
        return out;
    }

    private static OutputStream open(Path file) throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    /** One record: [coarse label byte (CIFAR-100 only)], label byte, then the R, G and B planes as bytes. */
    private static void record(OutputStream o, LabeledImages set, int i, int coarse) throws IOException {
        if (coarse >= 0) {
            o.write(coarse);
        }
        o.write(set.labels()[i]);
        INDArray img = set.images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).reshape(-1);
        byte[] bytes = new byte[(int) img.length()];
        for (int k = 0; k < bytes.length; k++) {
            bytes[k] = (byte) Math.round(Math.max(0, Math.min(1, img.getFloat(k))) * 255);
        }
        o.write(bytes);
    }
}
