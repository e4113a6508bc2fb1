package org.purifybench.defenses;

import java.util.ArrayList;
import java.util.List;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * Path-Aware Minimization (Min et al., NeurIPS 2024, Algorithm 1) on clean + BTI-reversed batches
 * (80/20). {@code rho} is a number, or {@code auto} (default): the largest rho of {@code rho-grid}
 * whose purified model keeps validation C-Acc within {@code cacc-budget} of the backdoored
 * model's - the paper's rule (a C-Acc threshold, as FST), applied on the validation split only.
 * The grid is tried from the largest rho down and stops at the first that fits.
 */
public final class Pam implements Defense {
    static final String DEFAULT_GRID = "0.9,0.7,0.5,0.3,0.1";

    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "pam", "1.0.0",
                "Path-Aware Minimization: gradient at W + rho (W0 - W)/||W0 - W|| on clean + 20% BTI-reversed data; rho auto-selected on validation C-Acc (budget 2 points), lr 0.01, 20 epochs",
                "Min et al., Uncovering, Explaining, and Mitigating the Superficial Safety of Backdoor Defense, NeurIPS 2024",
                Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA);
    }

    @Override
    public Model purify(DefenseContext ctx) {
        Model backdoored = ctx.backdooredModel();
        Params p = ctx.params();
        LabeledImages tuning = ctx.requireTuningData();
        TriggerInversion.Result inversion = InversionMemo.get(backdoored, tuning, p, ctx.seed(),
                () -> TriggerInversion.run(backdoored, tuning, p, ctx.seed(), ctx.host(), null));
        ctx.host().log(String.format("pam: reversed target %d (%.1f%% of generated images)", inversion.target(), 100 * inversion.targetShare()));
        String rho = p.getString("rho", "auto");
        if (!rho.equals("auto")) {
            return train(ctx, backdoored, inversion, parseRho(rho));
        }
        LabeledImages validation = ctx.validationData().orElseThrow(() -> new IllegalStateException("pam declares VALIDATION_DATA"));
        double reference = ctx.host().trainer().accuracy(backdoored, validation);
        double floor = reference - p.getDouble("cacc-budget", 0.02);
        Model best = null;
        double bestAccuracy = -1;
        for (double candidate : grid(p.getString("rho-grid", DEFAULT_GRID))) {
            Model m = train(ctx, backdoored, inversion, candidate);
            double acc = ctx.host().trainer().accuracy(m, validation);
            ctx.host().log(String.format("pam: rho %.2f -> validation C-Acc %.2f%% (backdoored %.2f%%, floor %.2f%%)",
                    candidate, 100 * acc, 100 * reference, 100 * floor));
            if (acc >= floor) {
                return m;
            }
            if (acc > bestAccuracy) {
                best = m;
                bestAccuracy = acc;
            }
        }
        ctx.host().log("pam: no rho of the grid kept validation C-Acc above the floor; keeping the most accurate");
        return best;
    }

    private static Model train(DefenseContext ctx, Model backdoored, TriggerInversion.Result inversion, double rho) {
        Params p = ctx.params();
        Model model = backdoored.copy();
        var step = new ReversedMixStep(inversion.generator(), p.getDouble("reversed-share", 0.2), ctx.seed(), new PathAwareStep(backdoored, rho));
        ctx.host().trainer().train(model, ctx.requireTuningData(), FineTuning.config(p, 20, 0.01), step, ctx.seed(),
                String.format("defense pam (rho %.2f)", rho));
        return model;
    }

    /** The grid in descending order. */
    static List<Double> grid(String text) {
        List<Double> values = new ArrayList<>();
        for (String part : text.split(",")) {
            values.add(parseRho(part.trim()));
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("pam rho-grid is empty");
        }
        values.sort((a, b) -> Double.compare(b, a));
        return values;
    }

    private static double parseRho(String text) {
        try {
            double v = Double.parseDouble(text);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("pam rho must be 'auto' or a number >= 0, got '" + text + "'");
    }
}
