package org.purifybench.attacks;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.Progress;
import org.purifybench.spi.PurifyBenchPlugin;

/**
 * Label-consistent backdoor (Turner, Tsipras, Madry 2019), as the project's method notes set it up: exactly
 * {@code round(rate x N)} training images <em>of the target class</em>, drawn with the seed, are
 * replaced by PGD-L&infin; adversarial versions against a clean reference model, and a 3x3
 * checkerboard (1,0,1 / 0,1,0 / 1,0,1 in every channel) is stamped into each of the four corners.
 * Labels never change, and no image outside the target class is touched.
 *
 * <p><b>PGD.</b> Untargeted on the true label: maximise the clean model's cross-entropy with
 * {@code x <- clip_{[x0-eps, x0+eps] ∩ [0,1]}(x + step * sign(grad CE))}, {@code steps} times,
 * starting from {@code x0} itself (no random start: the result depends only on the model and the
 * images, and there is no randomness to seed). The gradient is the model's vector-Jacobian product
 * with the upstream gradient of cross-entropy, {@code softmax(logits) - onehot(y)}, divided per
 * image by {@code 1 - p_y}: a positive per-image factor (each image's input gradient depends only
 * on its own row in evaluation mode) that leaves the sign unchanged, and turns the upstream into
 * {@code -1} at the true class and the softmax over the other classes elsewhere. Computed in
 * double precision from the logits, it cannot underflow to zero when the clean model is very
 * confident, which {@code p - onehot} in float would. The PGD runs in batches of {@code batch}
 * images (default 100), one logits and one VJP pass per step.
 *
 * <p><b>Where it runs.</b> Only in {@link Backdoor#poison}, the one place that has the images to
 * perturb with their labels; the clean model is asked for there too (lazily), so preparing the
 * backdoor for test-time use (defenses, evaluators) never forces a clean model to be trained.
 *
 * <p><b>Phases.</b> {@code apply(images, TEST)} stamps the corner trigger only. So does
 * {@code apply(images, TRAIN)}: PGD needs true labels, which {@code apply} does not get; this is
 * what the Retuning Attack (which poisons its few samples with {@code apply(.., TRAIN)}) uses.
 * The full training-phase trigger (PGD + corners) exists only inside {@link Backdoor#poison}.
 *
 * <p><b>Parameters.</b> {@code eps} (8/255), {@code step} (1.5/255), {@code steps} (100),
 * {@code batch} (100), {@code trigger-amplitude} (1.0). With amplitude a &lt; 1 each trigger
 * pixel is pushed by +a (white) or -a (black) and clipped to [0,1] instead of being set, as the
 * reduced-amplitude triggers of the paper's released code; a = 1 sets the pixels exactly to 1 / 0.
 * {@code steps 0} or {@code eps 0} give the corner trigger on unperturbed target images (an
 * ablation). Images must be at least 6x6 so the four corner patches do not overlap.
 */
@PurifyBenchPlugin(kind = Kind.ATTACK, id = "lc", version = "1.0.0",
        description = "Label-consistent: PGD-Linf on target-class images against a clean model + 3x3 checkerboards in all four corners, labels unchanged",
        paper = "Turner, Tsipras, Madry, Label-Consistent Backdoor Attacks, arXiv:1912.02771",
        needs = {Need.CLEAN_REFERENCE_MODEL},
        params = {
            @Param(name = "eps", type = ParamType.NUMBER, defaultValue = "0.03137254901960784", min = 0, max = 1, description = "PGD L-inf budget (8/255)", source = "the project's method notes (Turner et al. 2019 setting; not checked against a reference implementation)"),
            @Param(name = "step", type = ParamType.NUMBER, defaultValue = "0.0058823529411764705", min = 0, description = "PGD step size (1.5/255), > 0", source = "the project's method notes (Turner et al. 2019 setting; not checked against a reference implementation)"),
            @Param(name = "steps", type = ParamType.INT, defaultValue = "100", min = 0, description = "PGD steps (0: corner trigger on unperturbed images)", source = "the project's method notes (Turner et al. 2019 setting; not checked against a reference implementation)"),
            @Param(name = "batch", type = ParamType.INT, defaultValue = "100", min = 1, description = "images per PGD batch"),
            @Param(name = "trigger-amplitude", type = ParamType.NUMBER, defaultValue = "1.0", min = 0, max = 1, description = "corner trigger amplitude in (0, 1]; below 1 pixels are pushed by +-a and clipped", source = "reduced-amplitude triggers of Turner et al.'s released code")
        })
public final class LabelConsistent implements Attack {
    static final int PATCH = 3;
    static final double DEFAULT_EPS = 8.0 / 255;
    static final double DEFAULT_STEP = 1.5 / 255;
    static final int DEFAULT_STEPS = 100;
    static final int DEFAULT_BATCH = 100;

    @Override
    public Backdoor prepare(AttackContext ctx) {
        double rate = ctx.poisonRate();
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("poison rate must be in (0,1), got " + rate);
        }
        double eps = ctx.params().getDouble("eps", DEFAULT_EPS);
        double step = ctx.params().getDouble("step", DEFAULT_STEP);
        int steps = ctx.params().getInt("steps", DEFAULT_STEPS);
        int batch = ctx.params().getInt("batch", DEFAULT_BATCH);
        double amplitude = ctx.params().getDouble("trigger-amplitude", 1.0);
        if (!(eps >= 0 && eps <= 1)) {
            throw new IllegalArgumentException("lc eps must be in [0,1], got " + eps);
        }
        if (!(step > 0) || steps < 0 || batch < 1) {
            throw new IllegalArgumentException("lc needs step > 0, steps >= 0 and batch >= 1, got step " + step
                    + ", steps " + steps + ", batch " + batch);
        }
        if (!(amplitude > 0 && amplitude <= 1)) {
            throw new IllegalArgumentException("lc trigger-amplitude must be in (0,1], got " + amplitude);
        }
        checkFits(ctx.shape().height(), ctx.shape().width());
        return new LcBackdoor(ctx, eps, step, steps, batch, amplitude);
    }

    private static void checkFits(long height, long width) {
        if (height < 2 * PATCH || width < 2 * PATCH) {
            throw new IllegalArgumentException("lc stamps a " + PATCH + "x" + PATCH + " patch into each corner: images must be at least "
                    + 2 * PATCH + "x" + 2 * PATCH + ", got " + height + "x" + width);
        }
    }

    private static final class LcBackdoor implements Backdoor {
        private final AttackContext ctx;
        private final int target;
        private final double rate;
        private final long seed;
        private final double eps;
        private final double step;
        private final int steps;
        private final int batch;
        private final double amplitude;

        LcBackdoor(AttackContext ctx, double eps, double step, int steps, int batch, double amplitude) {
            this.ctx = ctx;
            this.target = ctx.targetLabel();
            this.rate = ctx.poisonRate();
            this.seed = ctx.seed();
            this.eps = eps;
            this.step = step;
            this.steps = steps;
            this.batch = batch;
            this.amplitude = amplitude;
        }

        @Override
        public int targetLabel() {
            return target;
        }

        @Override
        public INDArray apply(INDArray images, Phase phase) {
            INDArray copy = images.dup();
            stampCorners(copy, amplitude);
            return copy;
        }

        @Override
        public PoisonedSet poison(LabeledImages clean) {
            int count = (int) Math.round(rate * clean.size());
            int[] chosen = choose(clean, target, count, seed);
            if (count == 0) {
                return new PoisonedSet(clean, chosen);
            }
            LabeledImages picked = clean.subset(chosen);
            INDArray poisoned = picked.images();
            if (steps > 0 && eps > 0) {
                Model model = ctx.cleanModel().orElseThrow(() -> new IllegalStateException(
                        "lc needs the clean reference model it declares (Need.CLEAN_REFERENCE_MODEL), but the host gave none"));
                if (!model.inputShape().equals(clean.shape()) || model.numClasses() != clean.numClasses()) {
                    throw new IllegalArgumentException("the clean model takes " + model.inputShape() + " images of " + model.numClasses()
                            + " classes, the training set has " + clean.shape() + " images of " + clean.numClasses());
                }
                poisoned = pgd(model, poisoned, picked.labels(), eps, step, steps, batch, ctx.host());
            }
            stampCorners(poisoned, amplitude);
            INDArray images = clean.images().dup();
            for (int i = 0; i < chosen.length; i++) {
                row(images, chosen[i]).assign(row(poisoned, i));
            }
            return new PoisonedSet(clean.withImages(images), chosen);
        }

        @Override
        public String summary() {
            return String.format(Locale.ROOT, "PGD-Linf on target-class images against the clean model: eps %s/255, step %s/255, %d steps"
                            + " (no random start); 3x3 checkerboard in all four corners, amplitude %s; labels unchanged; test trigger: corners only",
                    fmt(eps * 255), fmt(step * 255), steps, fmt(amplitude));
        }
    }

    /**
     * {@code count} indices of target-class samples, drawn with {@code seed} (sorted), or an
     * IllegalArgumentException if the target class is smaller than that.
     */
    static int[] choose(LabeledImages clean, int target, int count, long seed) {
        int[] notTarget = clean.indicesNotLabeled(target);
        boolean[] other = new boolean[clean.size()];
        for (int i : notTarget) {
            other[i] = true;
        }
        List<Integer> candidates = IntStream.range(0, clean.size()).filter(i -> !other[i]).boxed().collect(Collectors.toList());
        if (count > candidates.size()) {
            throw new IllegalArgumentException("lc cannot poison " + count + " samples (round(rate x " + clean.size() + ")): only "
                    + candidates.size() + " training images are of the target class " + target
                    + " and a label-consistent attack poisons nothing else; lower the poison rate to at most "
                    + fmt((double) candidates.size() / clean.size()));
        }
        Collections.shuffle(candidates, new Random(seed));
        return candidates.subList(0, count).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * PGD-L&infin; maximising the model's cross-entropy on the true labels (see the class comment);
     * returns new arrays, {@code images} untouched.
     */
    static INDArray pgd(Model model, INDArray images, int[] labels, double eps, double step, int steps, int batch, Host host) {
        long n = images.size(0);
        INDArray out = images.dup();
        long batches = (n + batch - 1) / batch;
        try (Progress progress = host.progress("lc pgd", batches * steps)) {
            for (long from = 0; from < n; from += batch) {
                long to = Math.min(n, from + batch);
                INDArray view = out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
                INDArray x0 = view.dup();
                INDArray lo = Transforms.max(x0.sub(eps), 0.0, false);
                INDArray hi = Transforms.min(x0.add(eps), 1.0, false);
                int[] y = Arrays.copyOfRange(labels, (int) from, (int) to);
                INDArray x = x0;
                for (int s = 0; s < steps; s++) {
                    INDArray upstream = ceDirection(model.logits(x), y);
                    INDArray grad = model.inputGradient(x, upstream, null);
                    x = x.add(Transforms.sign(grad, false).castTo(x.dataType()).muli(step));
                    x = Transforms.min(Transforms.max(x, lo, false), hi, false);
                    progress.step(1);
                }
                view.assign(x);
            }
        }
        return out;
    }

    /**
     * {@code (softmax(logits) - onehot(y)) / (1 - p_y)} per row, in double precision: -1 at the
     * true class, the softmax of the other logits over the other classes elsewhere. A positive
     * per-row rescaling of the cross-entropy's logit gradient (same sign of input gradient), which
     * does not vanish however confident the model is.
     */
    static INDArray ceDirection(INDArray logits, int[] labels) {
        double[][] l = logits.castTo(DataType.DOUBLE).toDoubleMatrix();
        int k = (int) logits.size(1);
        float[][] w = new float[l.length][k];
        for (int i = 0; i < l.length; i++) {
            int y = labels[i];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                if (j != y) {
                    max = Math.max(max, l[i][j]);
                }
            }
            double[] e = new double[k];
            double sum = 0;
            for (int j = 0; j < k; j++) {
                if (j != y) {
                    e[j] = Math.exp(l[i][j] - max);
                    sum += e[j];
                }
            }
            for (int j = 0; j < k; j++) {
                w[i][j] = j == y ? -1f : (float) (e[j] / sum);
            }
        }
        return Nd4j.create(w).castTo(logits.dataType());
    }

    /**
     * Writes the 3x3 checkerboard (white where row + column is even, so every corner pixel is
     * white) into the four corners of every image and channel, in place.
     */
    static void stampCorners(INDArray images, double amplitude) {
        long h = images.size(2);
        long w = images.size(3);
        checkFits(h, w);
        for (long top : new long[] {0, h - PATCH}) {
            for (long left : new long[] {0, w - PATCH}) {
                for (int dy = 0; dy < PATCH; dy++) {
                    for (int dx = 0; dx < PATCH; dx++) {
                        boolean white = (dy + dx) % 2 == 0;
                        INDArray px = images.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(top + dy), NDArrayIndex.point(left + dx));
                        if (amplitude >= 1) {
                            px.assign(white ? 1.0 : 0.0);
                        } else {
                            INDArray moved = px.add(white ? amplitude : -amplitude);
                            px.assign(Transforms.min(Transforms.max(moved, 0.0, false), 1.0, false));
                        }
                    }
                }
            }
        }
    }

    private static INDArray row(INDArray a, int i) {
        return a.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    private static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.4g", v);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("\\.?0+$", "") : s;
    }
}
