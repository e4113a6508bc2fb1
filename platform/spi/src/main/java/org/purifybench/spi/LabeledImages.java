package org.purifybench.spi;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * An immutable-by-convention set of images (float32, NCHW, values in [0,1]) with integer labels.
 * Methods that "change" the set return a new one; callers must not write into {@link #images()}.
 */
public final class LabeledImages {
    private final INDArray images;
    private final int[] labels;
    private final int numClasses;

    public LabeledImages(INDArray images, int[] labels, int numClasses) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (images.rank() != 4) {
            throw new IllegalArgumentException("images must be rank 4 (N,C,H,W), got rank " + images.rank());
        }
        if (images.size(0) != labels.length) {
            throw new IllegalArgumentException("images (" + images.size(0) + ") and labels (" + labels.length + ") differ in count");
        }
        for (int label : labels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException("label " + label + " outside [0," + numClasses + ")");
            }
        }
        this.images = images;
        this.labels = labels.clone();
        this.numClasses = numClasses;
    }

    public INDArray images() {
        return images;
    }

    public int[] labels() {
        return labels.clone();
    }

    public int label(int i) {
        return labels[i];
    }

    public int numClasses() {
        return numClasses;
    }

    public int size() {
        return labels.length;
    }

    public ImageShape shape() {
        return new ImageShape((int) images.size(1), (int) images.size(2), (int) images.size(3));
    }

    /**
     * ND4J M2.1's native pullRows crashed the JVM once (SIGSEGV in pullRowsGeneric, a second thread also failing) while
     * two cells ran at once (CI, --parallel-cells test); copying rows is cheap next to training, so calls are serialised.
     */
    private static final Object PULL_ROWS = new Object();

    /** Rows at the given indices, in that order (a copy). */
    public LabeledImages subset(int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("empty subset");
        }
        INDArray picked;
        synchronized (PULL_ROWS) {
            picked = Nd4j.pullRows(images.reshape(images.size(0), -1), 1, indices)
                    .reshape(indices.length, images.size(1), images.size(2), images.size(3));
        }
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(picked, l, numClasses);
    }

    /** Contiguous rows [from, to) (a view of the images). */
    public LabeledImages range(int from, int to) {
        INDArray view = images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        return new LabeledImages(view, Arrays.copyOfRange(labels, from, to), numClasses);
    }

    /** Same images, new labels. */
    public LabeledImages withLabels(int[] newLabels) {
        return new LabeledImages(images, newLabels, numClasses);
    }

    /** Same labels, new images. */
    public LabeledImages withImages(INDArray newImages) {
        return new LabeledImages(newImages, labels, numClasses);
    }

    /** Indices whose label differs from {@code label}. */
    public int[] indicesNotLabeled(int label) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] != label).toArray();
    }

    public static LabeledImages concat(LabeledImages a, LabeledImages b) {
        if (a.numClasses != b.numClasses) {
            throw new IllegalArgumentException("class counts differ");
        }
        int[] l = Arrays.copyOf(a.labels, a.size() + b.size());
        System.arraycopy(b.labels, 0, l, a.size(), b.size());
        return new LabeledImages(Nd4j.concat(0, a.images, b.images), l, a.numClasses);
    }
}
