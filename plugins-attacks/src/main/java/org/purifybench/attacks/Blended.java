package org.purifybench.attacks;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PurifyBenchPlugin;

/**
 * Blended (Chen et al. 2017) with a fixed Gaussian-noise pattern, as in the paper: x' = (1-a) x + a P,
 * a = 0.1 when poisoning and 0.2 at test time (appendix B.2).
 */
@PurifyBenchPlugin(kind = Kind.ATTACK, id = "blended", version = "1.0.0",
        description = "Blended: fixed Gaussian-noise image blended in, dirty label",
        paper = "Chen et al., Targeted Backdoor Attacks on Deep Learning Systems Using Data Poisoning, arXiv:1712.05526",
        params = {
            @Param(name = "alpha-train", type = ParamType.NUMBER, defaultValue = "0.1", min = 0, max = 1, description = "blend ratio of the pattern in poisoned training images, in (0, 1]", source = "Min et al., NeurIPS 2024, appendix B.2"),
            @Param(name = "alpha-test", type = ParamType.NUMBER, defaultValue = "0.2", min = 0, max = 1, description = "blend ratio of the pattern in triggered test images, in (0, 1]", source = "Min et al., NeurIPS 2024, appendix B.2"),
            @Param(name = "pattern-seed", type = ParamType.INT, defaultValue = "1234", description = "seed of the noise pattern (part of the trigger, not the run)"),
            @Param(name = "pattern-std", type = ParamType.NUMBER, defaultValue = "0.5", min = 0, description = "standard deviation of the pattern's Gaussian noise around 0.5 (clipped to [0, 1])")
        })
public final class Blended implements Attack {
    @Override
    public Backdoor prepare(AttackContext ctx) {
        double trainAlpha = ctx.params().getDouble("alpha-train", 0.1);
        double testAlpha = ctx.params().getDouble("alpha-test", 0.2);
        long patternSeed = ctx.params().getInt("pattern-seed", 1234);
        double std = ctx.params().getDouble("pattern-std", 0.5);
        for (double a : new double[] {trainAlpha, testAlpha}) {
            if (!(a > 0 && a <= 1)) {
                throw new IllegalArgumentException("blend ratio must be in (0,1], got " + a);
            }
        }
        var shape = ctx.shape();
        // The pattern depends only on its own seed, not the run's: the trigger is part of the attack's definition.
        Random random = new Random(patternSeed);
        float[] p = new float[(int) shape.pixels()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.min(1, Math.max(0, 0.5 + std * random.nextGaussian()));
        }
        INDArray pattern = Nd4j.create(p, 1, shape.channels(), shape.height(), shape.width());
        return new DirtyLabelBackdoor(ctx) {
            @Override
            void stamp(INDArray images, Phase phase) {
                double a = phase == Phase.TRAIN ? trainAlpha : testAlpha;
                images.muli(1 - a).addi(pattern.castTo(images.dataType()).mul(a).broadcast(images.shape()));
            }

            @Override
            public String summary() {
                return "Gaussian pattern N(0.5, " + std + "^2) clipped to [0,1], seed " + patternSeed
                        + ", blend " + trainAlpha + " (train) / " + testAlpha + " (test)";
            }
        };
    }
}
