package org.purifybench.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.tck.Tck;
import org.purifybench.tck.TckData;

class AttacksTest {
    private static final ImageShape GRAY = new ImageShape(1, 10, 10);
    private static final ImageShape RGB = new ImageShape(3, 8, 9);
    private final TckData data = Tck.syntheticImages(GRAY, 4, 400, 40, 2);

    private static Backdoor prepare(Attack a, ImageShape shape, double rate, long seed, Map<String, Object> params) {
        return a.prepare(Tck.attackContext(a.descriptor(), shape, 4, 0, rate, seed, new Params(params), Tck.quietHost(), null, null));
    }

    @Test
    void badnetStampsACheckerboardInTheBottomRightCornerOnly() {
        for (ImageShape s : new ImageShape[] {GRAY, RGB}) {
            Backdoor b = prepare(new BadNet(), s, 0.1, 1, Map.of());
            INDArray x = Nd4j.zeros(2, s.channels(), s.height(), s.width()).addi(0.5);
            INDArray y = b.apply(x, Phase.TEST);
            assertEquals(0.5, x.getDouble(0, 0, s.height() - 1, s.width() - 1), 0, "input must not change");
            for (int c = 0; c < s.channels(); c++) {
                for (int r = 0; r < s.height(); r++) {
                    for (int col = 0; col < s.width(); col++) {
                        int dy = r - (s.height() - 3);
                        int dx = col - (s.width() - 3);
                        double expected = dy >= 0 && dx >= 0 ? ((dy + dx) % 2 == 0 ? 1 : 0) : 0.5;
                        assertEquals(expected, y.getDouble(1, c, r, col), 1e-6, "pixel " + c + "," + r + "," + col);
                    }
                }
            }
        }
    }

    @Test
    void blendedMixesAFixedPatternWithPhaseRatios() {
        Backdoor b = prepare(new Blended(), RGB, 0.1, 1, Map.of());
        INDArray x = Nd4j.zeros(1, 3, 8, 9);
        INDArray train = b.apply(x, Phase.TRAIN); // = 0.1 * P
        INDArray test = b.apply(x, Phase.TEST);   // = 0.2 * P
        assertTrue(test.equalsWithEps(train.mul(2), 1e-6), "test blend must be twice the training blend on a black image");
        INDArray pattern = train.div(0.1);
        assertTrue(pattern.minNumber().doubleValue() >= 0 && pattern.maxNumber().doubleValue() <= 1 + 1e-6);
        assertTrue(pattern.stdNumber().doubleValue() > 0.2, "the pattern is noise, not flat");
        INDArray ones = Nd4j.ones(1, 3, 8, 9);
        assertTrue(b.apply(ones, Phase.TEST).equalsWithEps(ones.mul(0.8).add(pattern.mul(0.2)), 1e-5));
        // The pattern is part of the attack, not of the run's seed.
        assertEquals(train, prepare(new Blended(), RGB, 0.1, 99, Map.of()).apply(x, Phase.TRAIN));
        assertNotEquals(train, prepare(new Blended(), RGB, 0.1, 1, Map.of("pattern-seed", 7)).apply(x, Phase.TRAIN));
    }

    @Test
    void poisoningHonoursRateTargetAndSeedExactly() {
        for (Attack a : new Attack[] {new BadNet(), new Blended()}) {
            LabeledImages clean = data.train();
            PoisonedSet p = prepare(a, GRAY, 0.05, 3, Map.of()).poison(clean);
            assertEquals(20, p.poisonedIndices().length, "round(0.05 x 400)");
            int[] labels = p.data().labels();
            int changed = 0;
            for (int i = 0; i < clean.size(); i++) {
                boolean poisoned = Arrays.binarySearch(p.poisonedIndices(), i) >= 0;
                boolean same = p.data().images().slice(i).equals(clean.images().slice(i));
                if (poisoned) {
                    assertNotEquals(0, clean.label(i), "only non-target samples are poisoned");
                    assertEquals(0, labels[i], "poisoned samples carry the target label");
                    assertTrue(!same, "poisoned samples carry the trigger");
                    changed++;
                } else {
                    assertEquals(clean.label(i), labels[i]);
                    assertTrue(same, "clean samples are untouched");
                }
            }
            assertEquals(20, changed);
            assertArrayEquals(p.poisonedIndices(), prepare(a, GRAY, 0.05, 3, Map.of()).poison(clean).poisonedIndices());
            assertTrue(!Arrays.equals(p.poisonedIndices(), prepare(a, GRAY, 0.05, 4, Map.of()).poison(clean).poisonedIndices()));
        }
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> prepare(new BadNet(), GRAY, 0.1, 1, Map.of("size", 11)));
        assertThrows(IllegalArgumentException.class, () -> prepare(new Blended(), GRAY, 0.1, 1, Map.of("alpha-test", 1.5)));
        assertThrows(IllegalArgumentException.class, () -> prepare(new BadNet(), GRAY, 1.5, 1, Map.of()));
    }
}
