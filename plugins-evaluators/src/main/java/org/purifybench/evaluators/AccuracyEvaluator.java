package org.purifybench.evaluators;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.BackdoorMetrics;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Need;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Trainer;

/** C-Acc on clean test images; ASR and R-Acc on triggered test images whose true label is not the target. */
@PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "accuracy", version = "1.0.0",
        description = "C-Acc (clean accuracy), ASR (attack success rate) and R-Acc (triggered images still correct)",
        needs = {Need.TEST_DATA},
        metrics = {"c-acc", "asr", "r-acc"})
public final class AccuracyEvaluator implements Evaluator {
    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        Trainer t = ctx.host().trainer();
        double[] asrRacc = BackdoorMetrics.triggered(t, ctx.purifiedModel(), ctx.backdoor(), ctx.testData());
        return new EvaluationResult()
                .metric("c-acc", BackdoorMetrics.cleanAccuracy(t, ctx.purifiedModel(), ctx.testData()))
                .metric("asr", asrRacc[0])
                .metric("r-acc", asrRacc[1]);
    }
}
