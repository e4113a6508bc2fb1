package org.purifybench.tck.layering;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.Model;

/** A plug-in class that keeps to the SPI, ND4J and the JDK: PluginRules must accept it. */
final class SpiOnlyPlugin {
    INDArray logits(Model m, INDArray x) {
        return m.logits(x);
    }
}
