package org.purifybench.defenses;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;

/**
 * The rule PAM (rho) and FST (alpha) use for their free hyperparameter: a number from the
 * parameters, or {@code auto}: the largest value of a grid whose model keeps validation C-Acc
 * within {@code cacc-budget} (default 2 points) of the backdoored model's, tried from the largest
 * down and stopping at the first that fits; if none fits, the most accurate. Validation data only,
 * never test data; the chosen value is recorded as a diagnostic.
 */
final class LargestWithinBudget {
    static final String RULE_SOURCE = "this platform's selection rule on validation data (the paper keeps C-Acc above a threshold when choosing rho, section 4, as FST does for alpha); docs/methods.md";

    private LargestWithinBudget() {
    }

    /**
     * @param name  the parameter ({@code rho}): read as {@code name}, its grid as {@code name-grid}
     * @param train the purified model for one value (from the backdoored model each time)
     */
    static Model choose(DefenseContext ctx, String defense, String name, String defaultGrid, DoubleFunction<Model> train) {
        String fixed = ctx.params().getString(name, "auto");
        if (!fixed.equals("auto")) {
            double value = parse(defense, name, fixed);
            ctx.diagnostic(name, value);
            return train.apply(value);
        }
        LabeledImages validation = ctx.validationData()
                .orElseThrow(() -> new IllegalStateException(defense + " declares VALIDATION_DATA"));
        double reference = ctx.host().trainer().accuracy(ctx.backdooredModel(), validation);
        double floor = reference - ctx.params().getDouble("cacc-budget", 0.02);
        Model best = null;
        double bestAccuracy = -1;
        double bestValue = Double.NaN;
        for (double candidate : grid(defense, name, ctx.params().getString(name + "-grid", defaultGrid))) {
            Model m = train.apply(candidate);
            double acc = ctx.host().trainer().accuracy(m, validation);
            ctx.host().log(String.format("%s: %s %s -> validation C-Acc %.2f%% (backdoored %.2f%%, floor %.2f%%)",
                    defense, name, candidate, 100 * acc, 100 * reference, 100 * floor));
            if (acc >= floor) {
                ctx.diagnostic(name, candidate);
                return m;
            }
            if (acc > bestAccuracy) {
                best = m;
                bestAccuracy = acc;
                bestValue = candidate;
            }
        }
        ctx.diagnostic(name, bestValue);
        ctx.host().log(defense + ": no " + name + " of the grid kept validation C-Acc above the floor; keeping the most accurate (" + bestValue + ")");
        return best;
    }

    /** The grid in descending order. */
    static List<Double> grid(String defense, String name, String text) {
        List<Double> values = new ArrayList<>();
        for (String part : text.split(",")) {
            values.add(parse(defense, name, part.trim()));
        }
        values.sort((a, b) -> Double.compare(b, a));
        return values;
    }

    private static double parse(String defense, String name, String text) {
        try {
            double v = Double.parseDouble(text);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(defense + " " + name + " must be 'auto' or a number >= 0, got '" + text + "'");
    }
}
