package org.purifybench.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.purifybench.core.UserException;
import org.purifybench.spi.ImageShape;

/**
 * The one place that turns a configured dataset id (and optional {@code dataset.path}) into a
 * {@link Dataset}, so the CLI and tests agree on ids, defaults and error messages.
 */
public final class Datasets {
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String CIFAR10 = "cifar10";
    public static final String CIFAR100 = "cifar100";
    public static final String TINY_IMAGENET = "tiny-imagenet";
    public static final String GTSRB = "gtsrb";
    public static final String SYNTHETIC = "synthetic";
    public static final List<String> IDS = List.of(FASHION_MNIST, CIFAR10, CIFAR100, TINY_IMAGENET, GTSRB, SYNTHETIC);

    /** The fixed synthetic set: the shape and class count of Fashion-MNIST, small enough for tests. */
    public static final ImageShape SYNTHETIC_SHAPE = new ImageShape(1, 28, 28);
    public static final int SYNTHETIC_CLASSES = 10;
    public static final int SYNTHETIC_TRAIN = 2000;
    public static final int SYNTHETIC_TEST = 500;
    public static final long SYNTHETIC_SEED = 0;

    private Datasets() {
    }

    /**
     * Loads dataset {@code id}. {@code dirOrNull} is the folder holding its files; null means the
     * default: {@link FashionMnist#DEFAULT_DIR} for Fashion-MNIST, {@code <data-dir>/<id>} for the
     * others, the data dir being {@link DataDir#resolve()}. The synthetic set is generated and ignores it.
     */
    public static Dataset load(String id, Path dirOrNull) {
        return load(id, dirOrNull, null);
    }

    /** As {@link #load(String, Path)}, with the data dir given ({@code null}: {@link DataDir#resolve()}). */
    public static Dataset load(String id, Path dirOrNull, Path dataDirOrNull) {
        if (id == null) {
            throw unknown("no dataset id given");
        }
        return switch (id) {
            case FASHION_MNIST -> FashionMnist.load(dirOrNull != null ? dirOrNull : FashionMnist.DEFAULT_DIR);
            case CIFAR10 -> Cifar10.load(folder(id, dirOrNull, dataDirOrNull));
            case CIFAR100 -> Cifar100.load(folder(id, dirOrNull, dataDirOrNull));
            case TINY_IMAGENET -> TinyImageNet.load(folder(id, dirOrNull, dataDirOrNull));
            case GTSRB -> Gtsrb.load(folder(id, dirOrNull, dataDirOrNull));
            case SYNTHETIC -> SyntheticImages.generate(SYNTHETIC_SHAPE, SYNTHETIC_CLASSES, SYNTHETIC_TRAIN, SYNTHETIC_TEST,
                    SYNTHETIC_SEED);
            default -> throw unknown("unknown dataset '" + id + "'");
        };
    }

    /** The explicit folder, else {@code <data-dir>/<id>}, which must exist: if not, say how to install it. */
    private static Path folder(String id, Path dirOrNull, Path dataDirOrNull) {
        if (dirOrNull != null) {
            return dirOrNull;
        }
        Path folder = DataDir.of(dataDirOrNull != null ? dataDirOrNull : DataDir.resolve(), id);
        if (!Files.isDirectory(folder)) {
            DataCatalog.Entry entry = DataCatalog.official().entry(id);
            throw new UserException("dataset " + id + " is not installed: " + folder + " does not exist (expected "
                    + entry.layout() + " below the data dir, set by --data-dir, -D" + DataDir.PROPERTY + " or $" + DataDir.ENV + ")",
                    entry.howToAdd());
        }
        return folder;
    }

    private static UserException unknown(String problem) {
        return new UserException(problem + "; known datasets: " + String.join(", ", IDS),
                "set dataset.id to one of: " + String.join(", ", IDS));
    }
}
