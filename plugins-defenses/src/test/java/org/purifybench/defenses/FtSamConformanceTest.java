package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.tck.DefenseConformance;

class FtSamConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new FtSam();
    }
}
