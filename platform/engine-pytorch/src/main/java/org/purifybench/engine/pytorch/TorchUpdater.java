package org.purifybench.engine.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.model.Updater;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.OneHot;

/**
 * SGD (momentum, Nesterov) and Adam written in tensor ops on the device, with PyTorch's semantics
 * (DJL's PyTorch engine has no Nesterov: design.md section 9). Optimiser state lives in the model's
 * manager for the phase. Plain steps never leave the device; a hook's gradient is copied in.
 */
final class TorchUpdater implements Updater {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final TorchModel model;
    private final TrainConfig cfg;
    private final Map<String, NDArray> first = new HashMap<>();
    private final Map<String, NDArray> second = new HashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();
    /** Inside a run of plain steps: the mirrors were written to the device at its start and are read back at finish(). */
    private boolean plainRun;

    TorchUpdater(TorchModel model, TrainConfig cfg) {
        this.model = model;
        this.cfg = cfg;
    }

    @Override
    public double step(INDArray images, int[] labels, double learningRate) {
        synchronized (model) {
            if (!plainRun) {
                model.pushIfShared();
                plainRun = true;
            }
            try (NDManager s = model.scratch()) {
                INDArray oneHot = OneHot.of(labels, model.numClasses(), org.nd4j.linalg.api.buffer.DataType.FLOAT);
                NDArray targets = Bridge.toTorch(oneHot, s);
                oneHot.close();
                double loss = model.backward(s, Bridge.toTorch(images, s), targets, null, true);
                Map<String, NDArray> grads = new HashMap<>();
                model.weights.params.forEach((k, p) -> {
                    NDArray g = p.getGradient();
                    g.attach(s);
                    grads.put(k, g);
                });
                update(s, grads, learningRate);
                // after the update: the gradients above are views of the parameters' gradient buffers
                model.zeroGradients();
                org.purifybench.core.model.NativeMemoryPacer.afterExecution();
                return loss;
            }
        }
    }

    @Override
    public void apply(Map<String, INDArray> gradient, double learningRate) {
        synchronized (model) {
            finish();
            model.pushIfShared();
            try (NDManager s = model.scratch()) {
                Map<String, NDArray> grads = new HashMap<>();
                gradient.forEach((k, g) -> {
                    NDArray p = model.weights.param(k);
                    if (p != null) {
                        grads.put(k, Bridge.toTorch(g, s, p.getShape().getShape()));
                    }
                });
                update(s, grads, learningRate);
            }
            model.pullIfShared();
        }
    }

    @Override
    public void finish() {
        if (plainRun) {
            model.pullIfShared();
            plainRun = false;
        }
    }

    /** One update from private gradients (in {@code s}); parameters without a gradient stay frozen. */
    private void update(NDManager s, Map<String, NDArray> grads, double lr) {
        for (Map.Entry<String, NDArray> e : model.weights.params.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            NDArray w = e.getValue();
            if (cfg.weightDecay() > 0) {
                g = g.add(local(s, w.mul(cfg.weightDecay())));
            }
            if (cfg.optimizer().equals(TrainConfig.ADAM)) {
                adam(s, e.getKey(), w, g, lr);
            } else {
                sgd(s, e.getKey(), w, g, lr);
            }
        }
    }

    /** DJL attaches a result to its first operand's manager: one computed from the model's tensors is moved to the step's. */
    private static NDArray local(NDManager s, NDArray a) {
        a.attach(s);
        return a;
    }

    private NDArray stateOf(Map<String, NDArray> states, String name, NDArray like) {
        return states.computeIfAbsent(name, k -> {
            NDArray z = like.zerosLike();
            z.attach(model.weights.param(name).getManager());
            return z;
        });
    }

    /** v = mu v + g; w -= lr (Nesterov: g + mu v, else v). */
    private void sgd(NDManager s, String name, NDArray w, NDArray g, double lr) {
        NDArray v = stateOf(first, name, g);
        v.muli(cfg.momentum()).addi(g);
        NDArray step = cfg.nesterov() ? g.add(local(s, v.mul(cfg.momentum()))).muli(lr) : local(s, v.mul(lr));
        w.subi(step);
    }

    private void adam(NDManager s, String name, NDArray w, NDArray g, double lr) {
        int t = steps.merge(name, 1, Integer::sum);
        NDArray m = stateOf(first, name, g);
        NDArray v = stateOf(second, name, g);
        m.muli(BETA1).addi(g.mul(1 - BETA1));
        v.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        NDArray denominator = local(s, v.div(c2)).sqrt().addi(EPS);
        NDArray step = local(s, m.div(denominator)).muli(lr / c1);
        w.subi(step);
    }
}
