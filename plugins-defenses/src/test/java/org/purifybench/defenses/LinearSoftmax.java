package org.purifybench.defenses;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

/**
 * Softmax regression z = flatten(x) W + b in double precision, behind the SPI's {@link Model} and
 * {@link Trainer#gradient}: every derivative I-BAU needs has a closed form here, so the finite
 * differences can be checked against exact values.
 */
final class LinearSoftmax implements Model {
    final ImageShape shape;
    final int classes;
    final INDArray w; // [D, K]
    final INDArray b; // [1, K]
    private final Map<String, INDArray> params = new LinkedHashMap<>();

    LinearSoftmax(ImageShape shape, int classes, long seed) {
        this.shape = shape;
        this.classes = classes;
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int d = (int) shape.pixels();
        w = Nd4j.create(r.doubles((long) d * classes, -1, 1).toArray(), new long[] {d, classes}, DataType.DOUBLE);
        b = Nd4j.create(r.doubles(classes, -0.5, 0.5).toArray(), new long[] {1, classes}, DataType.DOUBLE);
        params.put("W", w);
        params.put("b", b);
    }

    INDArray flat(INDArray images) {
        return images.castTo(DataType.DOUBLE).dup('c').reshape(images.size(0), shape.pixels());
    }

    INDArray probabilities(INDArray images) {
        return Transforms.softmax(logits(images), false);
    }

    @Override
    public String architecture() {
        return "linear-softmax";
    }

    @Override
    public ImageShape inputShape() {
        return shape;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public Model copy() {
        throw new UnsupportedOperationException();
    }

    @Override
    public INDArray logits(INDArray images) {
        return flat(images).mmul(w).addiRowVector(b);
    }

    @Override
    public INDArray inputGradient(INDArray images, INDArray logitWeights, INDArray featureWeights) {
        return logitWeights.castTo(DataType.DOUBLE).mmul(w.transpose()).reshape(images.shape());
    }

    @Override
    public int[] predict(INDArray images) {
        return logits(images).argMax(1).toIntVector();
    }

    @Override
    public Map<String, INDArray> parameters() {
        return params;
    }

    @Override
    public Map<String, INDArray> state() {
        return Map.of();
    }

    @Override
    public INDArray flatParameters() {
        return Nd4j.concat(0, w.reshape(-1), b.reshape(-1));
    }

    @Override
    public void setFlatParameters(INDArray flat) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void copyFrom(Model other) {
        throw new UnsupportedOperationException();
    }

    static INDArray oneHot(int[] labels, int classes) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    /** A trainer that only offers the exact gradient of mean cross-entropy. */
    static final class ExactTrainer implements Trainer {
        @Override
        public Map<String, INDArray> gradient(Model model, INDArray images, int[] labels) {
            LinearSoftmax m = (LinearSoftmax) model;
            INDArray x = m.flat(images);
            INDArray g = m.probabilities(images).subi(oneHot(labels, m.classes)).divi(labels.length);
            Map<String, INDArray> out = new LinkedHashMap<>();
            out.put("W", x.transpose().mmul(g));
            out.put("b", g.sum(true, 0));
            return out;
        }

        @Override
        public void train(Model model, LabeledImages data, TrainConfig config, StepHook hook, long seed, String phase) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double accuracy(Model model, LabeledImages data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int[] predict(Model model, INDArray images) {
            return model.predict(images);
        }

        @Override
        public void recalibrateBatchNorm(Model model, LabeledImages data) {
            throw new UnsupportedOperationException();
        }
    }
}
