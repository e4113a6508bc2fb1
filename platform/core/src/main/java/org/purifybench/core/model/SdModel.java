package org.purifybench.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.BatchNormLayer;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.OneHot;
import org.purifybench.toolkit.Graphs;

/**
 * A classifier held as one SameDiff graph (10x faster than MultiLayerNetwork here:
 * docs/engine-notes.md). Training/evaluation mode is a placeholder, so one graph serves both;
 * cross-entropy is written from logSoftmax because sd.loss ignores upstream gradients in M2.1.
 * The loss also carries {@code sum(logits * a) + sum(features * b)} with placeholders a, b (zero
 * in training): M2.1 builds one backward graph per SameDiff instance, and this term turns that one
 * graph into the vector-Jacobian products that trigger inversion and query attacks need.
 */
public final class SdModel implements HostModel {
    static final String INPUT = "in";
    static final String LABEL = "label";
    static final String TRAIN_FLAG = "train";
    static final String LOGITS = "logits";
    static final String LOSS = "loss";
    static final String FEATURES = "features";
    static final String LOGIT_WEIGHTS = "vjp_logits";
    static final String FEATURE_WEIGHTS = "vjp_features";
    private static final int EVAL_CHUNK = 500;

    private final ModelSpec spec;
    private final SameDiff sd;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> state;
    private final List<GraphBuilder.BnLayer> batchNorms;
    private final List<GraphBuilder.DropoutLayer> dropouts;
    private final DropoutMasks masks;
    private final Map<Long, Map<String, INDArray>> evalMasks = new HashMap<>();
    private final DataType dtype;
    private final INDArray trainOn;
    private final INDArray trainOff;
    private final long featureSize;
    private boolean gradFunction;
    private final Map<Long, INDArray[]> zeroWeights = new HashMap<>();

    private SdModel(ModelSpec spec, long seed) {
        this.spec = spec;
        GraphBuilder g = new GraphBuilder(spec, seed);
        SDVariable logits = Architectures.build(g, spec).rename(LOGITS);
        SDVariable label = g.sd.placeHolder(LABEL, g.dtype, -1, spec.numClasses());
        SDVariable logp = g.sd.nn().logSoftmax(logits);
        this.featureSize = g.params.get("fc_W").getArr().size(0);
        SDVariable logitWeights = g.sd.placeHolder(LOGIT_WEIGHTS, g.dtype, -1, spec.numClasses());
        SDVariable featureWeights = g.sd.placeHolder(FEATURE_WEIGHTS, g.dtype, -1, featureSize);
        SDVariable vjp = logits.mul(logitWeights).sum().add(g.sd.getVariable(FEATURES).mul(featureWeights).sum());
        logp.mul(label).sum(1).mean().neg().add(vjp).rename(LOSS);
        g.sd.setLossVariables(LOSS);
        this.sd = g.sd;
        this.dtype = g.dtype;
        Map<String, INDArray> p = new LinkedHashMap<>();
        g.params.forEach((name, v) -> p.put(name, v.getArr()));
        this.params = Collections.unmodifiableMap(p);
        this.state = Collections.unmodifiableMap(new LinkedHashMap<>(g.state));
        this.batchNorms = List.copyOf(g.batchNorms);
        this.dropouts = List.copyOf(g.dropouts);
        this.masks = new DropoutMasks(seed);
        this.trainOn = Nd4j.scalar(dtype, 1.0);
        this.trainOff = Nd4j.scalar(dtype, 0.0);
    }

    /** A freshly initialised model; the same spec and seed give identical weights. */
    public static SdModel create(ModelSpec spec, long seed) {
        return new SdModel(spec, seed);
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public ComputeEngine engine() {
        return Nd4jEngine.INSTANCE;
    }

    @Override
    public Gradient gradient(INDArray images, INDArray targets, INDArray featureWeights, boolean updateStatistics) {
        Step s = step(images, targets, featureWeights);
        if (updateStatistics) {
            updateBatchNormStats(s, BN_MOMENTUM);
        }
        return new Gradient(s.loss(), new HashMap<>(s.gradients()));
    }

    @Override
    public Updater updater(TrainConfig config) {
        Optimizer optimizer = Optimizer.of(config, params);
        return new Updater() {
            @Override
            public double step(INDArray images, int[] labels, double learningRate) {
                Gradient g = gradient(images, OneHot.of(labels, numClasses(), dtype), null, true);
                optimizer.apply(params, g.values(), learningRate);
                return g.loss();
            }

            @Override
            public void apply(Map<String, INDArray> gradient, double learningRate) {
                optimizer.apply(params, gradient, learningRate);
            }
        };
    }

    @Override
    public void recalibrateBatchNorm(LabeledImages data, int batch) {
        Map<String, INDArray> sums = new HashMap<>();
        int batches = 0;
        for (int from = 0; from < data.size(); from += batch) {
            int to = Math.min(data.size(), from + batch);
            if (to - from < 2) {
                break;
            }
            Map<String, INDArray> stats = batchStatistics(data.range(from, to).images());
            stats.forEach((k, v) -> sums.merge(k, v.dup(), INDArray::addi));
            batches++;
        }
        if (batches == 0) {
            throw new IllegalArgumentException("need at least 2 samples to recalibrate BatchNorm");
        }
        for (GraphBuilder.BnLayer bn : batchNorms) {
            state.get(bn.runningMean()).assign(sums.get(bn.batchMean()).div(batches));
            state.get(bn.runningVar()).assign(sums.get(bn.batchVar()).div(batches));
        }
    }

    @Override
    public Map<String, INDArray> snapshot() {
        Map<String, INDArray> all = new LinkedHashMap<>();
        params.forEach((k, v) -> all.put(k, v.dup()));
        state.forEach((k, v) -> all.put(k, v.dup()));
        return all;
    }

    @Override
    public void restore(Map<String, INDArray> arrays) {
        Snapshots.restore(arrays, params, state, architecture());
    }

    @Override
    public SdModel copy() {
        SdModel c = new SdModel(spec, 0);
        c.copyFrom(this);
        return c;
    }

    @Override
    public void copyFrom(Model other) {
        if (!other.architecture().equals(architecture()) || !other.parameters().keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("cannot copy a " + other.architecture() + " into a " + architecture());
        }
        other.parameters().forEach((k, v) -> params.get(k).assign(v));
        other.state().forEach((k, v) -> state.get(k).assign(v));
    }

    @Override
    public INDArray logits(INDArray images) {
        return chunked(images, LOGITS);
    }

    @Override
    public INDArray features(INDArray images) {
        return chunked(images, FEATURES);
    }

    /** One evaluation-mode output for many images, in chunks so memory stays bounded. */
    private INDArray chunked(INDArray images, String output) {
        long n = images.size(0);
        if (n <= EVAL_CHUNK) {
            return paced(sd.output(placeholders(images, null, false), output).get(output));
        }
        List<INDArray> parts = new ArrayList<>();
        for (long from = 0; from < n; from += EVAL_CHUNK) {
            long to = Math.min(n, from + EVAL_CHUNK);
            INDArray chunk = images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            parts.add(paced(sd.output(placeholders(chunk, null, false), output).get(output)));
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    @Override
    public INDArray trainingFeatures(INDArray images) {
        return paced(sd.output(placeholders(images, null, true), FEATURES).get(FEATURES));
    }

    /** Logits for one batch in training (batch statistics) or evaluation mode. */
    public INDArray forward(INDArray images, boolean training) {
        return paced(sd.output(placeholders(images, null, training), LOGITS).get(LOGITS));
    }

    @Override
    public int[] predict(INDArray images) {
        INDArray arg = logits(images).argMax(1);
        return arg.toIntVector();
    }

    @Override
    public Map<String, INDArray> parameters() {
        return params;
    }

    @Override
    public List<BatchNormLayer> batchNormLayers() {
        return batchNorms.stream().map(bn -> new BatchNormLayer(bn.gamma(), bn.beta(), bn.channels())).toList();
    }

    @Override
    public Map<String, INDArray> state() {
        return state;
    }

    @Override
    public INDArray flatParameters() {
        List<INDArray> flat = new ArrayList<>();
        params.values().forEach(a -> flat.add(a.reshape(-1)));
        return Nd4j.concat(0, flat.toArray(new INDArray[0]));
    }

    @Override
    public void setFlatParameters(INDArray flat) {
        long total = params.values().stream().mapToLong(INDArray::length).sum();
        if (flat.length() != total) {
            throw new IllegalArgumentException("flat vector has " + flat.length() + " values, model has " + total);
        }
        long offset = 0;
        INDArray f = flat.reshape(-1);
        for (INDArray p : params.values()) {
            p.assign(f.get(NDArrayIndex.interval(offset, offset + p.length())).reshape(p.shape()));
            offset += p.length();
        }
    }

    /**
     * Loss, parameter gradients and per-BN batch statistics for one batch in training mode.
     *
     * @param oneHot labels [N, classes] (soft labels allowed)
     */
    public Step step(INDArray images, INDArray oneHot) {
        return step(images, oneHot, null);
    }

    /**
     * As {@link #step(INDArray, INDArray)} for the loss {@code CE + sum(features * featureWeights)}
     * (featureWeights [N, featureSize], null for none).
     */
    public Step step(INDArray images, INDArray oneHot, INDArray featureWeights) {
        ensureGradFunction();
        Map<String, INDArray> ph = placeholders(images, oneHot, true);
        if (featureWeights != null) {
            ph.put(FEATURE_WEIGHTS, cast(featureWeights));
        }
        List<String> outputs = new ArrayList<>();
        outputs.add(LOSS);
        for (GraphBuilder.BnLayer bn : batchNorms) {
            outputs.add(bn.batchMean());
            outputs.add(bn.batchVar());
        }
        OutAndGrad r = sd.calculateGradientsAndOutputs(ph, outputs, params.keySet());
        NativeMemoryPacer.afterExecution();
        return new Step(r.getOutputs().get(LOSS).getDouble(0), r.getGradients(), r.getOutputs());
    }

    /**
     * Builds the backward graph once, including the input gradient (M2.1 only differentiates
     * w.r.t. a placeholder if asked before the first gradient call). Building prints one line per
     * op to System.out, which would drown the CLI's output: it is muted (for this thread) here.
     */
    private synchronized void ensureGradFunction() {
        if (gradFunction) {
            return;
        }
        Graphs.compileGradients(sd, INPUT);
        gradFunction = true;
    }

    /** Mean cross-entropy on one batch in training mode, without gradients. */
    public double loss(INDArray images, INDArray oneHot) {
        return paced(sd.output(placeholders(images, oneHot, true), LOSS).get(LOSS)).getDouble(0);
    }

    /** Gradient of the loss with respect to the input images (evaluation mode BN). */
    public INDArray inputGradient(INDArray images, INDArray oneHot) {
        ensureGradFunction();
        return paced(sd.calculateGradients(placeholders(images, oneHot, false), INPUT).get(INPUT));
    }

    @Override
    public INDArray inputGradient(INDArray images, INDArray logitWeights, INDArray featureWeights) {
        ensureGradFunction();
        long n = images.size(0);
        Map<String, INDArray> ph = placeholders(images, Nd4j.zeros(dtype, n, spec.numClasses()), false);
        if (logitWeights != null) {
            ph.put(LOGIT_WEIGHTS, cast(logitWeights));
        }
        if (featureWeights != null) {
            ph.put(FEATURE_WEIGHTS, cast(featureWeights));
        }
        return paced(sd.calculateGradients(ph, INPUT).get(INPUT));
    }

    @Override
    public long featureSize() {
        return featureSize;
    }

    /**
     * Running-average update of BN statistics from a step's batch statistics. The biased batch
     * variance is used: with batch x height x width elements per channel the correction is negligible.
     */
    public void updateBatchNormStats(Step step, double momentum) {
        for (GraphBuilder.BnLayer bn : batchNorms) {
            state.get(bn.runningMean()).muli(1 - momentum).addi(step.outputs().get(bn.batchMean()).mul(momentum));
            state.get(bn.runningVar()).muli(1 - momentum).addi(step.outputs().get(bn.batchVar()).mul(momentum));
        }
    }

    /** Names of BN (running mean, running var, batch mean, batch var) in graph order. */
    public List<String[]> batchNormNames() {
        List<String[]> names = new ArrayList<>();
        for (GraphBuilder.BnLayer bn : batchNorms) {
            names.add(new String[] {bn.runningMean(), bn.runningVar(), bn.batchMean(), bn.batchVar()});
        }
        return names;
    }

    /** Batch statistics of every BN layer on one batch (training mode), without gradients. */
    public Map<String, INDArray> batchStatistics(INDArray images) {
        Map<String, INDArray> ph = placeholders(images, null, true);
        List<String> outputs = new ArrayList<>();
        for (GraphBuilder.BnLayer bn : batchNorms) {
            outputs.add(bn.batchMean());
            outputs.add(bn.batchVar());
        }
        return paced(sd.output(ph, outputs));
    }

    private static <T> T paced(T result) {
        NativeMemoryPacer.afterExecution();
        return result;
    }

    public DataType dataType() {
        return dtype;
    }

    private Map<String, INDArray> placeholders(INDArray images, INDArray oneHotOrNull, boolean training) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT, cast(images));
        ph.put(TRAIN_FLAG, training ? trainOn : trainOff);
        if (!dropouts.isEmpty()) {
            ph.putAll(dropoutMasks(images.size(0), training));
        }
        if (oneHotOrNull != null) {
            ph.put(LABEL, cast(oneHotOrNull));
            INDArray[] zeros = zeroWeights.computeIfAbsent(images.size(0),
                    n -> new INDArray[] {Nd4j.zeros(dtype, n, spec.numClasses()), Nd4j.zeros(dtype, n, featureSize)});
            ph.put(LOGIT_WEIGHTS, zeros[0]);
            ph.put(FEATURE_WEIGHTS, zeros[1]);
        }
        return ph;
    }

    /** Fresh masks for a training-mode pass (in layer order, like the PyTorch engine), cached ones for evaluation. */
    private Map<String, INDArray> dropoutMasks(long n, boolean training) {
        if (!training) {
            return evalMasks.computeIfAbsent(n, rows -> {
                Map<String, INDArray> m = new HashMap<>();
                dropouts.forEach(d -> m.put(d.mask(), Nd4j.ones(dtype, rows, d.size())));
                return m;
            });
        }
        Map<String, INDArray> m = new HashMap<>();
        for (GraphBuilder.DropoutLayer d : dropouts) {
            m.put(d.mask(), Nd4j.create(masks.next(n, d.size(), d.p()), new long[] {n, d.size()}).castTo(dtype));
        }
        return m;
    }

    private INDArray cast(INDArray a) {
        return a.dataType() == dtype ? a : a.castTo(dtype);
    }

    /** Result of one training-mode forward/backward pass. */
    public record Step(double loss, Map<String, INDArray> gradients, Map<String, INDArray> outputs) {
    }
}
