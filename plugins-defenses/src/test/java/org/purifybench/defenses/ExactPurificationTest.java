package org.purifybench.defenses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

class ExactPurificationTest {
    @Test
    void triggersTenPercentOfNonTargetSamplesAndKeepsTheirLabels() {
        TckFixture f = TckFixture.get();
        LabeledImages tuning = f.splits.tuning();
        LabeledImages mixed = ExactPurification.withTrueLabelTriggers(tuning, f.trigger, 0.1, 1);
        assertEquals(tuning.size(), mixed.size());
        assertEquals(java.util.Arrays.toString(tuning.labels()), java.util.Arrays.toString(mixed.labels()), "labels stay true");
        int changed = 0;
        for (int i = 0; i < tuning.size(); i++) {
            if (!mixed.images().slice(i).equals(tuning.images().slice(i))) {
                changed++;
                assertTrue(tuning.label(i) != f.trigger.targetLabel(), "only non-target samples get the trigger");
            }
        }
        assertEquals(Math.round(0.1 * tuning.size()), changed);
    }

    @Test
    void removesTheBackdoorOnTheFixture() {
        TckFixture f = TckFixture.get();
        var trainer = f.host.trainer();
        double before = org.purifybench.spi.BackdoorMetrics.attackSuccessRate(trainer, f.backdoored, f.trigger, f.dataset.test());
        Model ep = new ExactPurification().purify(f.defenseContext(new ExactPurification().descriptor(), 1,
                new Params(java.util.Map.of("epochs", 20, "lr", 0.05, "trigger-share", 0.3,
                        // 120 tuning images of 12x12: a 4-pixel crop would move the corner trigger by a third of the image
                        "batch-size", 64, "augmentation", "none"))));
        double after = org.purifybench.spi.BackdoorMetrics.attackSuccessRate(trainer, ep, f.trigger, f.dataset.test());
        assertTrue(before > 0.8, "fixture backdoor works: ASR " + before);
        assertTrue(after < 0.2 && after < before / 3, "EP with the true trigger removes it: ASR " + after);
    }
}
