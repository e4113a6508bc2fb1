package org.purifybench.attacks;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PoisonedSet;

/**
 * Shared poisoning of dirty-label attacks: exactly round(rate x N) samples, drawn with the seed
 * from those whose label is not the target, get the training-phase trigger and the target label.
 */
abstract class DirtyLabelBackdoor implements Backdoor {
    private final int target;
    private final double rate;
    private final long seed;

    DirtyLabelBackdoor(AttackContext ctx) {
        if (!(ctx.poisonRate() > 0 && ctx.poisonRate() < 1)) {
            throw new IllegalArgumentException("poison rate must be in (0,1), got " + ctx.poisonRate());
        }
        this.target = ctx.targetLabel();
        this.rate = ctx.poisonRate();
        this.seed = ctx.seed();
    }

    @Override
    public int targetLabel() {
        return target;
    }

    /** Writes the trigger into {@code images} (a private copy) in place. */
    abstract void stamp(INDArray images, Phase phase);

    @Override
    public INDArray apply(INDArray images, Phase phase) {
        INDArray copy = images.dup();
        stamp(copy, phase);
        return copy;
    }

    @Override
    public PoisonedSet poison(LabeledImages clean) {
        int count = (int) Math.round(rate * clean.size());
        List<Integer> candidates = IntStream.of(clean.indicesNotLabeled(target)).boxed().collect(Collectors.toList());
        if (count > candidates.size()) {
            throw new IllegalArgumentException("cannot poison " + count + " samples: only " + candidates.size() + " are not of the target class");
        }
        Collections.shuffle(candidates, new Random(seed));
        int[] chosen = candidates.subList(0, count).stream().mapToInt(Integer::intValue).sorted().toArray();
        if (count == 0) {
            return new PoisonedSet(clean, chosen);
        }
        INDArray images = clean.images().dup();
        LabeledImages picked = clean.subset(chosen);
        INDArray triggered = apply(picked.images(), Phase.TRAIN);
        int[] labels = clean.labels();
        for (int i = 0; i < chosen.length; i++) {
            rows(images, chosen[i]).assign(rows(triggered, i));
            labels[chosen[i]] = target;
        }
        return new PoisonedSet(new LabeledImages(images, labels, clean.numClasses()), chosen);
    }

    private static INDArray rows(INDArray a, int i) {
        return a.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }
}
