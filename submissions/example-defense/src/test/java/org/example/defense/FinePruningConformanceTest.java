package org.example.defense;

import java.util.Map;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;
import org.purifybench.tck.DefenseConformance;

/**
 * The PurifyBench conformance kit: descriptor and descriptor file, declared needs, determinism, the
 * input model untouched, the architecture kept, the time budget. Each check is a test of this class.
 */
class FinePruningConformanceTest extends DefenseConformance {
    @Override
    protected Defense defense() {
        return new FinePruning();
    }

    /** Fast parameters for the kit's tiny fixture. */
    @Override
    protected Params fastParams() {
        return new Params(Map.of("epochs", 1));
    }

    /** This defense always asks for both needs it declares: hold it to that. */
    @Override
    protected boolean strictNeeds() {
        return true;
    }
}
