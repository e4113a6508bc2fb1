package org.purifybench.evaluators;

import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.BackdoorMetrics;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;
import org.purifybench.spi.Trainer;

/**
 * Linear mode connectivity along the backdoor-connected path (paper section 4.1): errors of
 * (1-t) W0 + t W1 for W0 = backdoored and W1 = purified, and, when the matrix runs the oracle EP,
 * along purified (t = 0) to EP (t = 1). A purification that stays in the
 * backdoored model's basin shows a low backdoor error right next to W1; BatchNorm running
 * statistics are re-estimated at every t on training data (the evaluators' retuning pool), since
 * interpolated weights make both endpoints' statistics wrong.
 */
@PurifyBenchPlugin(kind = Kind.EVALUATOR, id = "lmc", version = "1.0.0",
        description = "Linear mode connectivity backdoored -> purified (and purified -> EP): backdoor error (1-ASR) and clean error along the path, BN recalibrated at each point",
        paper = "Min et al., Towards Understanding the Superficial Safety of Backdoor Defense, NeurIPS 2024 (section 4.1)",
        needs = {Need.TEST_DATA, Need.RETUNING_POOL},
        metrics = {"backdoor-error-mid", "clean-error-barrier"},
        params = {
            @Param(name = "points", type = ParamType.INT, defaultValue = "11", min = 2, description = "points on the path, ends included", source = "Min et al., NeurIPS 2024, section 4.1"),
            @Param(name = "recalibrate-bn", type = ParamType.BOOLEAN, defaultValue = "true", description = "re-estimate BatchNorm statistics at each interior point"),
            @Param(name = "test-samples", type = ParamType.INT, defaultValue = "0", min = 0, description = "test images used (0: all)"),
            @Param(name = "oracle", type = ParamType.STRING, defaultValue = "", description = "defense whose model is the second path's end, when the matrix runs it; empty: the matrix's defense with role ORACLE", source = "Min et al., NeurIPS 2024, Figure 5")
        })
public final class LinearModeConnectivity implements Evaluator {
    /** (1-t) a + t b, computed in place of nothing: a new vector. */
    static INDArray interpolate(INDArray a, INDArray b, double t) {
        return a.mul(1 - t).addi(b.mul(t));
    }

    /** Backdoor and clean error along one path, one value per t. */
    record Path(double[] t, double[] backdoorError, double[] cleanError) {
        /** Largest rise of the clean error above the straight line between the endpoints. */
        double cleanBarrier() {
            int last = t.length - 1;
            double max = 0;
            for (int i = 0; i <= last; i++) {
                double line = (1 - t[i]) * cleanError[0] + t[i] * cleanError[last];
                max = Math.max(max, cleanError[i] - line);
            }
            return max;
        }
    }

    @Override
    public EvaluationResult evaluate(EvaluationContext ctx) {
        int points = ctx.params().getInt("points", 11);
        boolean recalibrate = ctx.params().getBoolean("recalibrate-bn", true);
        int testSamples = ctx.params().getInt("test-samples", 0);
        if (points < 2 || testSamples < 0) {
            throw new IllegalArgumentException("lmc needs points >= 2 and test-samples >= 0 (0 = all), got " + points + " and " + testSamples);
        }
        LabeledImages test = testSamples > 0 && testSamples < ctx.testData().size() ? ctx.testData().range(0, testSamples) : ctx.testData();
        Path backdoorPath = path(ctx, ctx.backdooredModel(), ctx.purifiedModel(), points, recalibrate, test);
        EvaluationResult r = new EvaluationResult()
                .curve("backdoor-error", backdoorPath.t(), backdoorPath.backdoorError())
                .curve("clean-error", backdoorPath.t(), backdoorPath.cleanError())
                .metric("backdoor-error-mid", backdoorPath.backdoorError()[(points - 1) / 2])
                .metric("clean-error-barrier", backdoorPath.cleanBarrier());
        // The paper's Figure 5: purified -> EP. Both are purified, so a flat high backdoor error means one basin.
        // The oracle is the cell's defense with role ORACLE unless the 'oracle' parameter names another.
        String named = ctx.params().getString("oracle", "").trim();
        String oracle = !named.isEmpty() ? named : ctx.defensesWithRole(Role.ORACLE).stream().findFirst().orElse(null);
        if (oracle != null && !ctx.defenseName().equals(oracle)) {
            ctx.purifiedModelOf(oracle).ifPresent(ep -> {
                Path toOracle = path(ctx, ctx.purifiedModel(), ep, points, recalibrate, test);
                r.curve(oracle + "-backdoor-error", toOracle.t(), toOracle.backdoorError())
                        .curve(oracle + "-clean-error", toOracle.t(), toOracle.cleanError());
            });
        }
        return r;
    }

    /** Errors of (1-t) from + t to on the grid; BN statistics recalibrated at interior points. */
    static Path path(EvaluationContext ctx, Model from, Model to, int points, boolean recalibrate, LabeledImages test) {
        Trainer trainer = ctx.host().trainer();
        INDArray a = from.flatParameters();
        INDArray b = to.flatParameters();
        double[] t = new double[points];
        double[] backdoorError = new double[points];
        double[] cleanError = new double[points];
        Model probe = to.copy();
        for (int i = 0; i < points; i++) {
            t[i] = i / (double) (points - 1);
            if (i == 0) {
                probe.copyFrom(from); // the endpoints are the models themselves, statistics included
            } else if (i == points - 1) {
                probe.copyFrom(to);
            } else {
                probe.setFlatParameters(interpolate(a, b, t[i]));
                if (recalibrate) {
                    trainer.recalibrateBatchNorm(probe, ctx.retuningPool());
                }
            }
            backdoorError[i] = 1 - BackdoorMetrics.attackSuccessRate(trainer, probe, ctx.backdoor(), test);
            cleanError[i] = 1 - BackdoorMetrics.cleanAccuracy(trainer, probe, test);
        }
        return new Path(t, backdoorError, cleanError);
    }
}
