package org.purifybench.core.run;

import java.util.Map;
import java.util.function.Supplier;
import org.purifybench.toolkit.KeyedMemo;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.HostModel;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Params;

/**
 * Makes one defense's model in one cell: {@link InProcessPurifier} for a built-in defense (it runs in
 * this JVM), {@link SandboxedPurifier} for a third-party jar's (it runs in a confined child JVM). Either
 * way a defense that produces no valid model throws {@link UnitFailures.DefenseFailed}, which fails
 * every unit that needs its model, and nothing else.
 */
interface Purifier {
    /**
     * What a defense may be given in a cell; each purifier hands it only what the defense declares it
     * needs. {@code clean} is asked for only by a defense that declares the clean reference model;
     * {@code cellMemo} answers {@link org.purifybench.spi.DefenseContext#cellMemo} for the cell's in-process defenses.
     */
    record Job(String defenseName, HostModel backdoored, LabeledImages tuning, LabeledImages validation, Backdoor trigger,
               Supplier<HostModel> clean, long seed, Params params, ModelSpec modelSpec, KeyedMemo<String, Object> cellMemo) {
    }

    /** The purified model, and the diagnostics the defense reported about its own run (checked ones, from the sandbox). */
    record Purified(HostModel model, Map<String, Double> diagnostics) {
    }

    /** @throws UnitFailures.DefenseFailed when the defense fails or returns no valid model */
    Purified purify(Job job);
}
