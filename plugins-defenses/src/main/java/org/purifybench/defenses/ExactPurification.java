package org.purifybench.defenses;

import java.util.Set;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/**
 * Exact purification (EP, the paper's oracle): fine-tune on the tuning set where a share of the
 * non-target samples carry the TRUE trigger under their true labels. Half of them get the
 * training-phase trigger and half the test-phase one, so an attack whose trigger strength differs
 * between phases (Blended 0.1 / 0.2) is unlearned at both (design.md section 7: unlearning only
 * the 0.1 blend left P-ASR at 92% in an independent check).
 * Training: 20 epochs (paper, appendix B); the optimizer of the authors' fine-tuning code
 * (fine_tune/ft.py: SGD lr 0.01, momentum 0.9, no weight decay, cosine, batch 128, crop + flip) -
 * EP itself is not in their public code.
 */
public final class ExactPurification implements Defense {
    static final TrainConfig DEFAULTS = FineTuning.DEFAULTS.withEpochs(20);

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(Kind.DEFENSE, "ep", "1.1.0",
                "Oracle: fine-tuning with the true trigger on 10% of tuning samples, true labels kept (20 epochs)",
                "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024",
                Set.of(Need.CLEAN_TUNING_DATA, Need.ORACLE_TRIGGER), SpiVersion.CURRENT, Role.ORACLE, List.of(), Set.of(), List.of());
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Backdoor trigger = ctx.oracleTrigger().orElseThrow(() -> new IllegalStateException("host gave no oracle trigger"));
        LabeledImages tuning = ctx.requireTuningData();
        double share = ctx.params().getDouble("trigger-share", 0.1);
        LabeledImages mixed = withTrueLabelTriggers(tuning, trigger, share, ctx.seed());
        Model model = ctx.backdooredModel();
        ctx.host().trainer().train(model, mixed, FineTuning.config(ctx.params(), DEFAULTS), StepHook.PLAIN, ctx.seed(), "defense ep");
        return model;
    }

    static LabeledImages withTrueLabelTriggers(LabeledImages tuning, Backdoor trigger, double share, long seed) {
        List<Integer> candidates = new ArrayList<>();
        for (int i : tuning.indicesNotLabeled(trigger.targetLabel())) {
            candidates.add(i);
        }
        Collections.shuffle(candidates, new Random(seed ^ 0x5eed));
        int count = Math.min(candidates.size(), (int) Math.round(share * tuning.size()));
        INDArray images = tuning.images().dup();
        for (int k = 0; k < count; k++) {
            int i = candidates.get(k);
            INDArray row = images.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            row.assign(trigger.apply(row, k % 2 == 0 ? Phase.TRAIN : Phase.TEST));
        }
        return tuning.withImages(images);
    }
}
