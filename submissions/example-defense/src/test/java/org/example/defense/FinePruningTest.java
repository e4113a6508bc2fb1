package org.example.defense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.BatchNormLayer;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.tck.TckFixture;

/** The defense's own behaviour, on the kit's tiny world (TckFixture: a backdoored cnn-small on 12x12 synthetic images). */
class FinePruningTest {
    @Test
    void prunedChannelsStayPrunedThroughFineTuning() {
        TckFixture f = TckFixture.get();
        FinePruning defense = new FinePruning();
        // a generous accuracy budget, so that the tiny model loses some channels
        Model m = defense.purify(f.defenseContext(defense.descriptor(), 3, new Params(Map.of("epochs", 1, "max-accuracy-drop", 0.5))));
        List<BatchNormLayer> layers = m.batchNormLayers();
        BatchNormLayer last = layers.get(layers.size() - 1);
        INDArray scale = m.parameters().get(last.scale());
        INDArray shift = m.parameters().get(last.shift());
        List<Integer> zero = new ArrayList<>();
        for (int c = 0; c < last.channels(); c++) {
            if (scale.getDouble(c) == 0 && shift.getDouble(c) == 0) {
                zero.add(c);
            }
        }
        assertTrue(!zero.isEmpty() && zero.size() < last.channels(), "some, not all, channels pruned: " + zero);
    }

    @Test
    void meanActivationIsPerChannelBlock() {
        TckFixture f = TckFixture.get();
        List<BatchNormLayer> layers = f.backdoored.batchNormLayers();
        int channels = layers.get(layers.size() - 1).channels();
        double[] a = FinePruning.meanActivationPerChannel(f.backdoored, f.splits.tuning(), channels);
        assertEquals(channels, a.length);
        for (double v : a) {
            assertTrue(v >= 0, "ReLU features are not negative: " + v);
        }
    }
}
