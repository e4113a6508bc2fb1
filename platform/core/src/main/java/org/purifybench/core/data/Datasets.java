package org.purifybench.core.data;

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
    public static final String SYNTHETIC = "synthetic";
    public static final List<String> IDS = List.of(FASHION_MNIST, CIFAR10, SYNTHETIC);

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
     * default ({@link FashionMnist#DEFAULT_DIR} for Fashion-MNIST; CIFAR-10 has none). The synthetic
     * set is generated and ignores it.
     */
    public static Dataset load(String id, Path dirOrNull) {
        if (id == null) {
            throw unknown("no dataset id given");
        }
        return switch (id) {
            case FASHION_MNIST -> FashionMnist.load(dirOrNull != null ? dirOrNull : FashionMnist.DEFAULT_DIR);
            case CIFAR10 -> {
                if (dirOrNull == null) {
                    throw new UserException("dataset cifar10 needs a folder with the CIFAR-10 files, and none was given", Cifar10.FIX);
                }
                yield Cifar10.load(dirOrNull);
            }
            case SYNTHETIC -> SyntheticImages.generate(SYNTHETIC_SHAPE, SYNTHETIC_CLASSES, SYNTHETIC_TRAIN, SYNTHETIC_TEST,
                    SYNTHETIC_SEED);
            default -> throw unknown("unknown dataset '" + id + "'");
        };
    }

    private static UserException unknown(String problem) {
        return new UserException(problem + "; known datasets: " + String.join(", ", IDS),
                "set dataset.id to one of: " + String.join(", ", IDS));
    }
}
