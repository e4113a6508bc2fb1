package org.purifybench.core.data;

import java.util.List;
import java.util.Optional;
import org.purifybench.spi.ImageShape;

/**
 * The published shape, class count and sizes of the datasets profiles name (their checksums are in
 * {@link DataCatalog}), so that a plan can size
 * a run whose data is not on this machine (a paper profile planned before {@code data add}). Only
 * for estimates: a run always reads the real files.
 */
public final class DatasetShapes {

    /** One dataset as published: image shape, classes, training and test images. */
    public record Entry(String id, ImageShape shape, int classes, int train, int test) {
    }

    private static final List<Entry> KNOWN = List.of(
            new Entry(Datasets.FASHION_MNIST, new ImageShape(1, 28, 28), 10, 60_000, 10_000),
            new Entry(Datasets.CIFAR10, new ImageShape(3, 32, 32), 10, 50_000, 10_000),
            new Entry(Datasets.CIFAR100, new ImageShape(3, 32, 32), 100, 50_000, 10_000),
            new Entry(Datasets.TINY_IMAGENET, new ImageShape(3, 64, 64), 200, 100_000, 10_000),
            new Entry(Datasets.GTSRB, new ImageShape(3, 32, 32), 43, 39_209, 12_630),
            new Entry(Datasets.SYNTHETIC, Datasets.SYNTHETIC_SHAPE, Datasets.SYNTHETIC_CLASSES, Datasets.SYNTHETIC_TRAIN,
                    Datasets.SYNTHETIC_TEST));

    private DatasetShapes() {
    }

    /** The entry of dataset {@code id}, if it is a known one. */
    public static Optional<Entry> find(String id) {
        return KNOWN.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    public static List<Entry> all() {
        return KNOWN;
    }
}
