package org.purifybench.defenses;

import java.util.Map;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.DefenseConformance;

class BtiSamConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new BtiSam();
    }

    @Override
    protected Params fastParams() {
        return new Params(Map.of("epochs", 1, "rounds", 1, "mask-epochs", 2, "generator-epochs", 1, "refine-epochs", 1));
    }
}
