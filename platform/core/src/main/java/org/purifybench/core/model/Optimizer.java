package org.purifybench.core.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.TrainConfig;

/**
 * The update rules the ND4J engine offers, with PyTorch's semantics: weight decay is added to
 * the gradient (L2, not decoupled) and Adam is bias-corrected with betas 0.9/0.999 and eps 1e-8.
 * A parameter the step hook left out of the gradient is not updated (frozen).
 */
public abstract class Optimizer {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    final TrainConfig cfg;

    private Optimizer(TrainConfig cfg) {
        this.cfg = cfg;
    }

    public static Optimizer of(TrainConfig cfg, Map<String, INDArray> parameters) {
        return cfg.optimizer().equals(TrainConfig.ADAM) ? new Adam(cfg, parameters) : new Sgd(cfg, parameters);
    }

    public void apply(Map<String, INDArray> parameters, Map<String, INDArray> grad, double lr) {
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            INDArray w = e.getValue();
            INDArray g = grad.get(e.getKey());
            if (g == null) {
                continue;
            }
            g = g.dataType() == w.dataType() ? g.dup() : g.castTo(w.dataType());
            if (cfg.weightDecay() > 0) {
                g.addi(w.mul(cfg.weightDecay()));
            }
            update(e.getKey(), w, g, lr);
        }
    }

    /** Updates {@code w} in place from the (decayed, private) gradient {@code g}. */
    abstract void update(String name, INDArray w, INDArray g, double lr);

    private static Map<String, INDArray> zerosLike(Map<String, INDArray> parameters) {
        Map<String, INDArray> state = new HashMap<>();
        parameters.forEach((k, v) -> state.put(k, Nd4j.zerosLike(v)));
        return state;
    }

    /** SGD with heavy-ball momentum (PyTorch's form: v = mu v + g; Nesterov steps g + mu v). */
    private static final class Sgd extends Optimizer {
        private final Map<String, INDArray> velocity;

        Sgd(TrainConfig cfg, Map<String, INDArray> parameters) {
            super(cfg);
            velocity = zerosLike(parameters);
        }

        @Override
        void update(String name, INDArray w, INDArray g, double lr) {
            INDArray v = velocity.get(name);
            v.muli(cfg.momentum()).addi(g);
            INDArray step = cfg.nesterov() ? g.addi(v.mul(cfg.momentum())) : v;
            w.subi(step.mul(lr));
        }
    }

    /** Adam (Kingma and Ba), bias-corrected, one step counter per parameter. */
    private static final class Adam extends Optimizer {
        private final Map<String, INDArray> first;
        private final Map<String, INDArray> second;
        private final Map<String, Integer> steps = new HashMap<>();

        Adam(TrainConfig cfg, Map<String, INDArray> parameters) {
            super(cfg);
            first = zerosLike(parameters);
            second = zerosLike(parameters);
        }

        @Override
        void update(String name, INDArray w, INDArray g, double lr) {
            int t = steps.merge(name, 1, Integer::sum);
            INDArray m = first.get(name).muli(BETA1).addi(g.mul(1 - BETA1));
            INDArray v = second.get(name).muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
            double correction1 = 1 - Math.pow(BETA1, t);
            double correction2 = 1 - Math.pow(BETA2, t);
            INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(EPS);
            w.subi(m.div(denominator).muli(lr / correction1));
        }
    }
}
