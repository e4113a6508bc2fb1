package org.purifybench.defenses;

import java.util.Map;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.DefenseConformance;

class IBauConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new IBau();
    }

    @Override
    protected Params fastParams() {
        // Two batches (60 + 60 of the fixture's 120 tuning images), so Adam's state carries across steps.
        return new Params(Map.of("rounds", 1, "batch-size", 60));
    }
}
