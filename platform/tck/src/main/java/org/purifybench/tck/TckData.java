package org.purifybench.tck;

import java.util.Objects;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;

/**
 * A train/test pair of labelled images, as plug-in tests see a dataset: SPI types only, so a
 * plug-in's tests compile against what its code may use.
 *
 * @param train the training images
 * @param test  the held-out test images
 */
public record TckData(LabeledImages train, LabeledImages test) {
    public TckData {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }

    /** Shape of one image. */
    public ImageShape shape() {
        return train.shape();
    }

    public int numClasses() {
        return train.numClasses();
    }
}
