package org.purifybench.core.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-100 with its 100 FINE labels (the coarse superclass label is skipped), binary or
 * python version, as backdoor benchmarks (BackdoorBench via torchvision) report on.
 */
public final class Cifar100 {
    public static final int NUM_CLASSES = 100;
    /** Binary records start with the coarse then the fine label byte. */
    static final int LABEL_BYTES = 2;
    static final int FINE_LABEL_AT = 1;

    static final CifarLoader.Spec SPEC = new CifarLoader.Spec(Datasets.CIFAR100, "CIFAR-100", "cifar-100-binary", List.of("train.bin"),
            "test.bin", "cifar-100-python", List.of("train"), "test", LABEL_BYTES, FINE_LABEL_AT, "fine_labels", NUM_CLASSES);

    static final String FIX = "get the CIFAR-100 binary version (or python version): "
            + DataCatalog.official().entry(Datasets.CIFAR100).howToAdd() + " (train.bin and test.bin, or its parent)";
    private static final String FIX_CORRUPT = "the file is damaged or not CIFAR-100: replace it with an intact copy: "
            + DataCatalog.official().entry(Datasets.CIFAR100).addCommand();

    private Cifar100() {
    }

    /** Loads the 50,000 training and 10,000 test images from {@code dir}, {@code dir/cifar-100-binary} or {@code dir/cifar-100-python}. */
    public static Dataset load(Path dir) {
        return load(dir, DataCatalog.official());
    }

    /** As {@link #load(Path)}, checking against {@code catalog} (tests pass one matching generated files). */
    static Dataset load(Path dir, DataCatalog catalog) {
        return CifarLoader.load(SPEC, dir, catalog, FIX, FIX_CORRUPT);
    }
}
