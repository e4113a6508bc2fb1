package org.purifybench.defenses;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.StepContext;
import org.purifybench.spi.StepHook;
import org.purifybench.toolkit.Seeds;
import org.purifybench.toolkit.Shuffle;

/**
 * Replaces a share of each clean batch with trigger-inverted images G(x) under their TRUE labels
 * (BTI-DBF's unlearning, PAM's and BTI-SAM's "clean + reversed" data), then lets a {@link StepRule}
 * compute the gradient on that mixed batch. Which rows are replaced depends only on the seed and
 * the iteration.
 */
final class ReversedMixStep implements StepHook {
    private final TriggerGenerator generator;
    private final double share;
    private final long seed;
    private final StepRule rule;

    ReversedMixStep(TriggerGenerator generator, double share, long seed, StepRule rule) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("reversed share must be in (0, 1], got " + share);
        }
        this.generator = generator;
        this.share = share;
        this.seed = seed;
        this.rule = rule;
    }

    /** The batch with round(share * n) (at least one) rows replaced by G(x) (exposed for tests). */
    INDArray mix(INDArray images, long iteration) {
        int n = (int) images.size(0);
        int k = Math.max(1, (int) Math.round(share * n));
        int[] rows = java.util.Arrays.copyOf(Shuffle.permutation(n, new SplittableRandom(Seeds.derive(seed, "reversed-rows", iteration))), k);
        long[] idx = TriggerInversion.toLong(rows);
        INDArray mixed = images.dup();
        INDArray generated = generator.apply(images.get(NDArrayIndex.indices(idx))).castTo(images.dataType());
        for (int i = 0; i < k; i++) {
            mixed.slice(rows[i]).assign(generated.slice(i));
        }
        return mixed;
    }

    @Override
    public Map<String, INDArray> gradient(StepContext step) {
        INDArray mixed = mix(step.images(), step.iteration());
        int[] labels = step.labels();
        return rule.gradient(step.model(), () -> step.gradient(mixed, labels));
    }
}
