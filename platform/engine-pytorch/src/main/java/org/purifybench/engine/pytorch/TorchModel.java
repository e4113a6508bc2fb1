package org.purifybench.engine.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.core.model.Architectures;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.Snapshots;
import org.purifybench.core.model.Updater;
import org.purifybench.spi.BatchNormLayer;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.TrainConfig;

/**
 * A classifier held as libtorch tensors on the engine's device. The SPI's INDArrays are mirrors:
 * {@link #parameters()} and {@link #state()} hand out host copies, and from then on (the SPI calls
 * them live) the mirrors are written to the device before each computation and read back after
 * each change the engine makes. A model no plug-in has asked for its arrays never pays for that:
 * the trainer's plain steps, evaluation and BN recalibration run on the device only.
 */
final class TorchModel implements HostModel {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int EVAL_CHUNK = 500;

    private final TorchEngine engine;
    private final ModelSpec spec;
    private final NDManager manager;
    final TorchWeights weights;
    private Map<String, INDArray> mirrorParams;
    private Map<String, INDArray> mirrorState;
    /** Whether a caller holds the mirrors and may write them at any time. */
    private boolean shared;

    private TorchModel(TorchEngine engine, ModelSpec spec, NDManager manager, TorchWeights weights) {
        if (!spec.dtype().equals("float")) {
            throw new IllegalArgumentException("the pytorch engine computes in float32, not " + spec.dtype());
        }
        this.engine = engine;
        this.spec = spec;
        this.manager = manager;
        this.weights = weights;
        // Device memory is released when the model is unreachable: the SPI has no close().
        CLEANER.register(this, manager::close);
    }

    static TorchModel create(TorchEngine engine, ModelSpec spec, long seed) {
        NDManager m = engine.djl().newBaseManager(engine.djlDevice());
        return new TorchModel(engine, spec, m, TorchWeights.init(spec, seed, m));
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public ComputeEngine engine() {
        return engine;
    }

    @Override
    public long featureSize() {
        return weights.featureSize;
    }

    // ---- mirrors ----

    synchronized void pushIfShared() {
        if (shared) {
            mirrorParams.forEach((k, v) -> Bridge.copyInto(v, weights.param(k)));
            mirrorState.forEach((k, v) -> Bridge.copyInto(v, weights.state(k)));
        }
    }

    synchronized void pullIfShared() {
        if (shared) {
            pull();
        }
    }

    /** After a change to the BatchNorm statistics only: the parameters' mirrors are still current. */
    private synchronized void pullStateIfShared() {
        if (shared) {
            weights.state.forEach((k, v) -> Bridge.copyInto(v, mirrorState.get(k)));
        }
    }

    private void pull() {
        if (mirrorParams == null) {
            mirrorParams = mirrors(weights.params);
            mirrorState = mirrors(weights.state);
        }
        weights.params.forEach((k, v) -> Bridge.copyInto(v, mirrorParams.get(k)));
        weights.state.forEach((k, v) -> Bridge.copyInto(v, mirrorState.get(k)));
    }

    private Map<String, INDArray> mirrors(Map<String, NDArray> tensors) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        tensors.keySet().forEach(k -> m.put(k, Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, weights.spiShapes.get(k))));
        return Collections.unmodifiableMap(m);
    }

    @Override
    public synchronized Map<String, INDArray> parameters() {
        if (!shared) {
            pull();
            shared = true;
        }
        return mirrorParams;
    }

    @Override
    public synchronized Map<String, INDArray> state() {
        parameters();
        return mirrorState;
    }

    @Override
    public synchronized Map<String, INDArray> snapshot() {
        pushIfShared();
        Map<String, INDArray> all = new LinkedHashMap<>();
        weights.params.forEach((k, v) -> all.put(k, Bridge.toNd4j(v, weights.spiShapes.get(k))));
        weights.state.forEach((k, v) -> all.put(k, Bridge.toNd4j(v, weights.spiShapes.get(k))));
        return all;
    }

    @Override
    public synchronized void restore(Map<String, INDArray> arrays) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        Map<String, INDArray> state = new LinkedHashMap<>();
        // checked (names, shapes) against scratch arrays of the SPI's shapes, then copied to the device
        weights.params.keySet().forEach(k -> params.put(k, Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, weights.spiShapes.get(k))));
        weights.state.keySet().forEach(k -> state.put(k, Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, weights.spiShapes.get(k))));
        Snapshots.restore(arrays, params, state, architecture());
        params.forEach((k, v) -> Bridge.copyInto(v, weights.param(k)));
        state.forEach((k, v) -> Bridge.copyInto(v, weights.state(k)));
        pullIfShared();
    }

    @Override
    public synchronized TorchModel copy() {
        pushIfShared();
        NDManager m = engine.djl().newBaseManager(engine.djlDevice());
        return new TorchModel(engine, spec, m, weights.copy(m));
    }

    @Override
    public synchronized void copyFrom(Model other) {
        if (!other.architecture().equals(architecture()) || !other.parameters().keySet().equals(weights.params.keySet())) {
            throw new IllegalArgumentException("cannot copy a " + other.architecture() + " into a " + architecture());
        }
        Map<String, INDArray> all = new LinkedHashMap<>();
        if (other instanceof HostModel h) {
            all.putAll(h.snapshot());
        } else {
            all.putAll(other.parameters());
            all.putAll(other.state());
        }
        restore(all);
    }

    @Override
    public INDArray flatParameters() {
        List<INDArray> flat = new ArrayList<>();
        snapshotParams().values().forEach(a -> flat.add(a.reshape(-1)));
        return Nd4j.concat(0, flat.toArray(new INDArray[0]));
    }

    private synchronized Map<String, INDArray> snapshotParams() {
        pushIfShared();
        Map<String, INDArray> p = new LinkedHashMap<>();
        weights.params.forEach((k, v) -> p.put(k, Bridge.toNd4j(v, weights.spiShapes.get(k))));
        return p;
    }

    @Override
    public synchronized void setFlatParameters(INDArray flat) {
        long total = weights.params.values().stream().mapToLong(NDArray::size).sum();
        if (flat.length() != total) {
            throw new IllegalArgumentException("flat vector has " + flat.length() + " values, model has " + total);
        }
        pushIfShared(); // the state of the mirrors must not be lost when they are read back below
        INDArray f = flat.reshape(-1);
        long offset = 0;
        for (NDArray p : weights.params.values()) {
            Bridge.copyInto(f.get(NDArrayIndex.interval(offset, offset + p.size())), p);
            offset += p.size();
        }
        pullIfShared();
    }

    @Override
    public List<BatchNormLayer> batchNormLayers() {
        return List.copyOf(weights.batchNorms);
    }

    // ---- computation ----

    /** One pass: logits and features of {@code x} (in {@code scratch}). */
    NDArray[] forward(NDManager scratch, NDArray x, boolean training, float statsMomentum) {
        TorchNet net = new TorchNet(weights, scratch, x, training, statsMomentum);
        NDArray logits = Architectures.build(net, spec);
        return new NDArray[] {logits, net.features()};
    }

    /** Arrays the model's manager holds (its tensors, optimiser state): constant over steps, or memory leaks. */
    int managedArrays() {
        return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
    }

    NDManager scratch() {
        return manager.newSubManager();
    }

    @Override
    public INDArray logits(INDArray images) {
        return evaluate(images, false);
    }

    @Override
    public INDArray features(INDArray images) {
        return evaluate(images, true);
    }

    private synchronized INDArray evaluate(INDArray images, boolean features) {
        pushIfShared();
        long n = images.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long from = 0; from < n; from += EVAL_CHUNK) {
            long to = Math.min(n, from + EVAL_CHUNK);
            INDArray chunk = n <= EVAL_CHUNK ? images
                    : images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            try (NDManager s = scratch()) {
                NDArray[] out = forward(s, Bridge.toTorch(chunk, s), false, 0);
                NDArray r = features ? out[1] : out[0];
                parts.add(Bridge.toNd4j(r, r.getShape().getShape()));
            }
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    @Override
    public int[] predict(INDArray images) {
        return logits(images).argMax(1).toIntVector();
    }

    @Override
    public synchronized INDArray trainingFeatures(INDArray images) {
        pushIfShared();
        try (NDManager s = scratch()) {
            NDArray f = forward(s, Bridge.toTorch(images, s), true, 0)[1];
            return Bridge.toNd4j(f, f.getShape().getShape());
        }
    }

    /** Mean cross-entropy against {@code targets} plus {@code sum(features * featureWeights)}. */
    static NDArray loss(NDArray[] out, NDArray targets, NDArray featureWeights) {
        NDArray ce = out[0].logSoftmax(1).mul(targets).sum(new int[] {1}).mean().neg();
        return featureWeights == null ? ce : ce.add(out[1].mul(featureWeights).sum());
    }

    @Override
    public synchronized Gradient gradient(INDArray images, INDArray targets, INDArray featureWeights, boolean updateStatistics) {
        pushIfShared();
        Gradient g;
        try (NDManager s = scratch()) {
            NDArray fw = featureWeights == null ? null : Bridge.toTorch(featureWeights, s);
            double loss = backward(s, Bridge.toTorch(images, s), Bridge.toTorch(targets, s), fw, updateStatistics);
            Map<String, INDArray> values = new LinkedHashMap<>();
            weights.params.forEach((k, p) -> {
                NDArray grad = p.getGradient();
                grad.attach(s);
                values.put(k, Bridge.toNd4j(grad, weights.spiShapes.get(k)));
            });
            zeroGradients();
            g = new Gradient(loss, values);
        }
        if (updateStatistics) {
            pullStateIfShared();
        }
        return g;
    }

    /** Forward and backward in training mode; the parameters' gradients are left in place (zero them after use). */
    double backward(NDManager s, NDArray x, NDArray targets, NDArray featureWeights, boolean updateStatistics) {
        try (GradientCollector collector = engine.djl().newGradientCollector()) {
            NDArray[] out = forward(s, x, true, updateStatistics ? (float) BN_MOMENTUM : 0f);
            NDArray loss = loss(out, targets, featureWeights);
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    void zeroGradients() {
        for (NDArray p : weights.params.values()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    @Override
    public synchronized INDArray inputGradient(INDArray images, INDArray logitWeights, INDArray featureWeights) {
        pushIfShared();
        try (NDManager s = scratch()) {
            NDArray x = Bridge.toTorch(images, s);
            x.setRequiresGradient(true);
            try (GradientCollector collector = engine.djl().newGradientCollector()) {
                NDArray[] out = forward(s, x, false, 0);
                NDArray objective = s.zeros(new ai.djl.ndarray.types.Shape());
                if (logitWeights != null) {
                    objective = objective.add(out[0].mul(Bridge.toTorch(logitWeights, s)).sum());
                }
                if (featureWeights != null) {
                    objective = objective.add(out[1].mul(Bridge.toTorch(featureWeights, s)).sum());
                }
                collector.backward(objective);
            }
            NDArray grad = x.getGradient();
            grad.attach(s);
            INDArray result = Bridge.toNd4j(grad, images.shape());
            zeroGradients();
            return result;
        }
    }

    @Override
    public synchronized void recalibrateBatchNorm(LabeledImages data, int batch) {
        pushIfShared();
        int batches = 0;
        for (int from = 0; from < data.size(); from += batch) {
            int to = Math.min(data.size(), from + batch);
            if (to - from < 2) {
                break;
            }
            batches++;
            try (NDManager s = scratch()) {
                // momentum 1/k over batches k = 1, 2, ... is the equal-weight average, the first batch replacing the old statistics
                forward(s, Bridge.toTorch(data.range(from, to).images(), s), true, 1f / batches);
            }
        }
        if (batches == 0) {
            throw new IllegalArgumentException("need at least 2 samples to recalibrate BatchNorm");
        }
        pullStateIfShared();
    }

    @Override
    public Updater updater(TrainConfig config) {
        return new TorchUpdater(this, config);
    }
}
