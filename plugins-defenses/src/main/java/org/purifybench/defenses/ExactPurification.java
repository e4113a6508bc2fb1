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
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.Seeds;

/**
 * Exact purification (EP, the paper's oracle): fine-tune on the tuning set where a share of the
 * non-target samples carry the TRUE trigger under their true labels. Half of them get the
 * training-phase trigger and half the test-phase one, so an attack whose trigger strength differs
 * between phases (Blended 0.1 / 0.2) is unlearned at both (unlearning only the 0.1 blend left P-ASR
 * at 92% in an independent PyTorch check, docs/methods.md).
 * Training: 20 epochs (paper, appendix B); the optimizer of the authors' fine-tuning code
 * (fine_tune/ft.py: SGD lr 0.01, momentum 0.9, no weight decay, cosine, batch 128, crop + flip) -
 * EP itself is not in their public code.
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "ep", version = "1.1.0",
        description = "Oracle: fine-tuning with the true trigger on a share of tuning samples, true labels kept",
        paper = "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024",
        needs = {Need.CLEAN_TUNING_DATA, Need.ORACLE_TRIGGER},
        role = Role.ORACLE,
        params = {
            @Param(name = "trigger-share", type = ParamType.NUMBER, defaultValue = "0.1", min = 0, max = 1, description = "share of non-target tuning samples given the true trigger", source = "Min et al., NeurIPS 2024, appendix B (EP: the true trigger on 10% of the tuning set under true labels)"),
            @Param(name = "epochs", type = ParamType.INT, defaultValue = "20", min = 0, description = "training epochs", source = "Min et al., NeurIPS 2024, appendix B (20 epochs)"),
            @Param(name = "batch-size", type = ParamType.INT, defaultValue = "128", min = 1, description = "training batch size", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "lr", type = ParamType.NUMBER, defaultValue = "0.01", min = 0, description = "learning rate", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "momentum", type = ParamType.NUMBER, defaultValue = "0.9", min = 0, max = 1, description = "SGD momentum, in [0, 1)", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "weight-decay", type = ParamType.NUMBER, defaultValue = "0", min = 0, description = "weight decay", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "schedule", type = ParamType.STRING, defaultValue = "cosine", choices = {"constant", "cosine", "step"}, description = "learning-rate schedule", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "optimizer", type = ParamType.STRING, defaultValue = "sgd", choices = {"sgd", "adam"}, description = "optimizer", source = "stable_backdoor_purification fine_tune/ft.py"),
            @Param(name = "augmentation", type = ParamType.STRING, defaultValue = "crop-flip", choices = {"none", "crop-flip"}, description = "augmentation of the tuning data", source = "stable_backdoor_purification fine_tune/ft.py")
        })
public final class ExactPurification implements Defense {
    static final TrainConfig DEFAULTS = FineTuning.DEFAULTS.withEpochs(20);

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
        Collections.shuffle(candidates, new Random(Seeds.derive(seed, "ep-relabelled-triggers")));
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
