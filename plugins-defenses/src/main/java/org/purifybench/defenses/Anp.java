package org.purifybench.defenses;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Params;
import org.purifybench.spi.Progress;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Trainer;
import org.purifybench.toolkit.Seeds;
import org.purifybench.toolkit.Shuffle;

/**
 * ANP (Wu and Wang, NeurIPS 2021): backdoor neurons are the ones whose adversarial perturbation
 * most easily flips the clean data's predictions. Learns a mask per BatchNorm neuron on the clean
 * tuning set, minimising {@code alpha * CE(masked) + (1 - alpha) * CE(masked and perturbed)}
 * where the perturbation is multiplicative neuron noise found by one signed ascent step from a
 * uniform start in [-eps, eps]; masks follow SGD with momentum and are clipped to [0, 1]. Then
 * neurons whose mask is below a threshold are pruned (scale set to 0).
 *
 * <p>Defaults are the authors' (iterations 2000, batch 128, eps 0.4, one step, alpha 0.2, mask lr
 * 0.2, momentum 0.9; BackdoorBench uses mask lr 0.01). The authors pick the pruning threshold by
 * looking at the backdoored test set; here the threshold is the largest of 0, 0.05, ..., 0.9 whose
 * pruned model keeps validation accuracy within {@code acc-budget} (default 0.02) of the unpruned
 * model's: the defense never sees test data. Masks are learned with BatchNorm in training mode (as
 * the reference code does); pruning leaves running statistics untouched.
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "anp", version = "1.0.0",
        description = "Adversarial neuron pruning: masks on BatchNorm neurons learned against neuron noise, pruned by the largest threshold within a validation-accuracy budget",
        paper = "Wu and Wang, Adversarial Neuron Pruning Purifies Backdoored Deep Models, NeurIPS 2021",
        needs = {Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA},
        params = {
            @Param(name = "iterations", type = ParamType.INT, defaultValue = "2000", min = 0, description = "mask optimisation iterations", source = "ANP authors' code"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "mask optimisation batch size", source = "ANP authors' code"),
            @Param(name = "eps", type = ParamType.NUMBER, defaultValue = "0.4", min = 0, description = "neuron noise bound", source = "ANP authors' code"),
            @Param(name = "steps", type = ParamType.INT, defaultValue = "1", min = 1, description = "signed ascent steps of the noise", source = "ANP authors' code"),
            @Param(name = "alpha", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, max = 1, description = "weight of the clean loss against the perturbed one, in [0, 1]", source = "ANP authors' code"),
            @Param(name = "mask-lr", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, description = "mask learning rate, > 0", source = "ANP authors' code (BackdoorBench: 0.01)"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "mask SGD momentum, in [0, 1)", source = "ANP authors' code"),
            @Param(name = "threshold-max", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "largest pruning threshold tried", source = "Min et al., NeurIPS 2024, appendix B (ANP pruned at thresholds 0.4-0.9)"),
            @Param(name = "threshold-step", type = ParamType.NUMBER, defaultValue = "0.05", min = 0, description = "step between pruning thresholds tried, > 0", source = "this platform's selection rule (docs/methods.md, ANP)"),
            @Param(name = "acc-budget", type = ParamType.NUMBER, defaultValue = "0.02", min = 0, description = "largest validation accuracy drop accepted when choosing the threshold", source = "this platform's selection rule on validation data (BackdoorBench: a 10% relative test-accuracy drop; docs/methods.md, ANP)")
        })
public final class Anp implements Defense {
    record Settings(int iterations, int batch, double eps, int steps, double alpha, double lr, double momentum,
                    double thresholdMax, double thresholdStep, double accBudget) {
        static Settings of(Params p) {
            Settings s = new Settings(p.getInt("iterations", 2000), p.getInt("batch-size", 128), p.getDouble("eps", 0.4),
                    p.getInt("steps", 1), p.getDouble("alpha", 0.2), p.getDouble("mask-lr", 0.2), p.getDouble("momentum", 0.9),
                    p.getDouble("threshold-max", 0.9), p.getDouble("threshold-step", 0.05), p.getDouble("acc-budget", 0.02));
            if (s.iterations < 0 || s.batch < 1 || !(s.eps >= 0) || s.steps < 1 || !(s.alpha >= 0 && s.alpha <= 1)
                    || !(s.lr > 0) || !(s.momentum >= 0 && s.momentum < 1) || !(s.thresholdMax >= 0 && s.thresholdMax <= 1)
                    || !(s.thresholdStep > 0) || !(s.accBudget >= 0)) {
                throw new IllegalArgumentException("anp needs iterations >= 0, batch-size >= 1, eps >= 0, steps >= 1, alpha in [0,1],"
                        + " mask-lr > 0, momentum in [0,1), threshold-max in [0,1], threshold-step > 0, acc-budget >= 0; got " + s);
            }
            return s;
        }
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Settings s = Settings.of(ctx.params());
        Model model = ctx.backdooredModel();
        LabeledImages tuning = ctx.requireTuningData();
        LabeledImages validation = ctx.requireValidationData();
        NeuronMasks masks = new NeuronMasks(model);
        learnMasks(ctx, model, tuning, masks, s);
        Trainer trainer = ctx.host().trainer();
        masks.restore();
        double base = trainer.accuracy(model, validation);
        List<Double> thresholds = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        StringBuilder sweep = new StringBuilder();
        for (int k = 0; k * s.thresholdStep() <= s.thresholdMax() + 1e-9; k++) {
            double t = k * s.thresholdStep();
            int pruned = masks.pruneBelow(t);
            double acc = trainer.accuracy(model, validation);
            thresholds.add(t);
            accuracies.add(acc);
            sweep.append(String.format(Locale.ROOT, " %.2f:%d/%.3f", t, pruned, acc));
        }
        int chosen = chooseThreshold(base, accuracies, s.accBudget());
        int pruned = masks.pruneBelow(thresholds.get(chosen));
        ctx.host().log(String.format(Locale.ROOT, "anp: validation accuracy %.4f unpruned; threshold:pruned/accuracy%s;"
                        + " chose threshold %.2f (largest within %.3f of unpruned): %d of %d neurons pruned",
                base, sweep, thresholds.get(chosen), s.accBudget(), pruned, masks.neurons()));
        return model;
    }

    /** Index of the largest threshold whose validation accuracy is at least {@code base - budget} (0 if none). */
    static int chooseThreshold(double base, List<Double> accuracies, double budget) {
        int chosen = 0;
        for (int k = 0; k < accuracies.size(); k++) {
            if (accuracies.get(k) >= base - budget - 1e-12) {
                chosen = k;
            }
        }
        return chosen;
    }

    /** ANP's mask optimisation (the reference's mask_train), batches drawn by a seeded shuffle. */
    static void learnMasks(DefenseContext ctx, Model model, LabeledImages tuning, NeuronMasks masks, Settings s) {
        Trainer trainer = ctx.host().trainer();
        SplittableRandom noiseRandom = new SplittableRandom(Seeds.derive(ctx.seed(), "anp-noise"));
        SplittableRandom shuffle = new SplittableRandom(ctx.seed());
        int batch = Math.min(s.batch(), tuning.size());
        List<INDArray> velocity = new ArrayList<>();
        masks.mask.forEach(m -> velocity.add(Nd4j.zerosLike(m)));
        int[] order = new int[0];
        int pos = 0;
        try (Progress progress = ctx.host().progress("defense anp masks", s.iterations())) {
            for (int it = 0; it < s.iterations(); it++) {
                if (pos + batch > order.length) {
                    order = Shuffle.permutation(tuning.size(), shuffle);
                    pos = 0;
                }
                LabeledImages b = tuning.subset(java.util.Arrays.copyOfRange(order, pos, pos + batch));
                pos += batch;
                List<INDArray> robust = null;
                if (s.eps() > 0) {
                    masks.randomNoise(s.eps(), noiseRandom);
                    for (int k = 0; k < s.steps(); k++) {
                        masks.apply(true);
                        var g = trainer.gradient(model, b.images(), b.labels());
                        // Ascent on CE: the reference descends -CE with signed gradients and lr eps/steps.
                        masks.ascendNoise(masks.scaleCoefficientGradient(g), masks.shiftCoefficientGradient(g), s.eps() / s.steps(), s.eps());
                    }
                    masks.apply(true);
                    robust = masks.scaleCoefficientGradient(trainer.gradient(model, b.images(), b.labels()));
                }
                masks.apply(false);
                List<INDArray> natural = masks.scaleCoefficientGradient(trainer.gradient(model, b.images(), b.labels()));
                for (int i = 0; i < masks.mask.size(); i++) {
                    INDArray grad = natural.get(i).mul(robust == null ? 1 : s.alpha());
                    if (robust != null) {
                        grad.addi(robust.get(i).mul(1 - s.alpha()));
                    }
                    velocity.get(i).muli(s.momentum()).addi(grad);
                    masks.mask.get(i).subi(velocity.get(i).mul(s.lr()));
                }
                masks.clipMasks();
                progress.step(1);
            }
        }
        masks.restore();
    }
}
