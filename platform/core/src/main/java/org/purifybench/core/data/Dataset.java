package org.purifybench.core.data;

import java.util.Objects;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;

/**
 * A loaded benchmark dataset: the fixed train/test pair every run starts from, plus where it came
 * from so that reports can say which data a result was measured on.
 *
 * @param name   the dataset id, e.g. {@code fashion-mnist}
 * @param train  the full training set, before {@link Splits} cuts it up
 * @param test   the held-out test set, used unchanged for final metrics
 * @param source where the data was read from (a path) or how it was made ("synthetic seed N")
 * @param verification whether the files match the published checksums (see {@link DataCatalog})
 */
public record Dataset(String name, LabeledImages train, LabeledImages test, String source, DataVerification verification) {
    /** A dataset whose files were not checked: {@link DataVerification#NOT_CHECKED}. */
    public Dataset(String name, LabeledImages train, LabeledImages test, String source) {
        this(name, train, test, source, DataVerification.NOT_CHECKED);
    }

    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(verification, "verification");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(source, "source");
        // A model trained on one shape or class count cannot be evaluated on another, so a
        // mismatch here is a loader bug and must not surface later as a cryptic ND4J error.
        if (!train.shape().equals(test.shape())) {
            throw new IllegalArgumentException("train images are " + train.shape() + " but test images are " + test.shape());
        }
        if (train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException("train has " + train.numClasses() + " classes but test has " + test.numClasses());
        }
    }

    /** Shape of one image, the same for train and test. */
    public ImageShape shape() {
        return train.shape();
    }

    /** Number of classes, the same for train and test. */
    public int numClasses() {
        return train.numClasses();
    }
}
