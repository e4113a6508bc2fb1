package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.tck.DefenseConformance;

class FeatureShiftTuningConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new FeatureShiftTuning();
    }
}
