package org.purifybench.defenses;

import java.util.Map;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.DefenseConformance;

class AnpConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new Anp();
    }

    @Override
    protected Params fastParams() {
        return new Params(Map.of("iterations", 6, "batch-size", 32));
    }
}
