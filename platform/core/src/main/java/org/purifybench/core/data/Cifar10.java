package org.purifybench.core.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10, binary or python version, the 3-channel counterpart to Fashion-MNIST that most
 * backdoor papers report on. Nothing is downloaded here: {@code purifybench data add} installs it.
 */
public final class Cifar10 {
    public static final int NUM_CLASSES = 10;
    public static final int CHANNELS = 3;
    public static final int SIDE = 32;

    static final String SUBDIR = "cifar-10-batches-bin";
    static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";
    static final List<String> TRAIN_PY = List.of("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5");
    static final String TEST_PY = "test_batch";

    static final CifarLoader.Spec SPEC = new CifarLoader.Spec(Datasets.CIFAR10, "CIFAR-10", SUBDIR, TRAIN_FILES, TEST_FILE,
            "cifar-10-batches-py", TRAIN_PY, TEST_PY,
            1, 0, "labels", NUM_CLASSES);

    static final String FIX = "get the CIFAR-10 binary version (or python version): "
            + DataCatalog.official().entry(Datasets.CIFAR10).howToAdd()
            + " (data_batch_1.bin..data_batch_5.bin and test_batch.bin, or its parent)";
    private static final String FIX_CORRUPT = "the file is damaged or not CIFAR-10 (the matlab version does not work): replace it"
            + " with an intact copy: " + DataCatalog.official().entry(Datasets.CIFAR10).addCommand();

    private Cifar10() {
    }

    /** Loads the 50,000 training and 10,000 test images from {@code dir}, {@code dir/cifar-10-batches-bin} or {@code dir/cifar-10-batches-py}. */
    public static Dataset load(Path dir) {
        return load(dir, DataCatalog.official());
    }

    /** As {@link #load(Path)}, checking against {@code catalog} (tests pass one matching generated files). */
    static Dataset load(Path dir, DataCatalog catalog) {
        return CifarLoader.load(SPEC, dir, catalog, FIX, FIX_CORRUPT);
    }
}
