package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;

class NativeMemoryPacerTest {
    private final AtomicLong resident = new AtomicLong(1000);
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger collected = new AtomicInteger();

    private NativeMemoryPacer pacer(long headroom) {
        return new NativeMemoryPacer(resident::get, () -> {
            collected.incrementAndGet();
            clock.addAndGet(5); // a collection takes 5 time units
        }, clock::get, headroom);
    }

    @Test
    void collectsOnlyAboveTheFirstReadingPlusHeadroomAndNeverRebases() {
        NativeMemoryPacer p = pacer(100);
        assertFalse(p.pace(), "the first call only reads the baseline (1000)");
        resident.set(1100);
        assertFalse(p.pace(), "at the ceiling");
        resident.set(1101);
        clock.set(1000);
        assertTrue(p.pace(), "above the ceiling");
        // Freed pages stay resident: the ceiling must not climb with them (it did when re-based).
        resident.set(1150);
        clock.set(2000);
        assertTrue(p.pace());
        resident.set(1050);
        clock.set(3000);
        assertFalse(p.pace());
        assertEquals(2, collected.get());
    }

    @Test
    void spacesCollectionsSoTheyTakeAtMostATenthOfTheTimeWhenLiveDataOutgrowsTheCeiling() {
        NativeMemoryPacer p = pacer(100);
        p.pace();
        resident.set(5000);
        clock.set(100);
        assertTrue(p.pace()); // took 5 units: none before 100 + 50
        clock.set(149);
        assertFalse(p.pace());
        clock.set(150);
        assertTrue(p.pace());
        assertEquals(2, collected.get());
    }

    @Test
    void headroomZeroTurnsItOffAndNegativeIsRefused() {
        NativeMemoryPacer p = pacer(0);
        resident.set(1L << 40);
        assertFalse(p.pace());
        assertFalse(p.pace());
        assertEquals(0, collected.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pacer(-1));
        assertTrue(e.getMessage().contains(NativeMemoryPacer.HEADROOM_PROPERTY));
    }

    /** The optimisation's guard: collecting after every graph execution changes no number. */
    @Test
    void trainingGivesBitIdenticalWeightsWithAndWithoutCollections() {
        ModelSpec spec = ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 12, 12), 3, 4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        float[][] out = new float[2][];
        AtomicInteger gcs = new AtomicInteger();
        AtomicLong growing = new AtomicLong();
        NativeMemoryPacer everyCall = new NativeMemoryPacer(() -> growing.addAndGet(10), () -> {
            gcs.incrementAndGet();
            System.gc();
        }, () -> 0, 1);
        for (int run = 0; run < 2; run++) {
            SdModel m = SdModel.create(spec, 3);
            Runnable train = () -> {
                for (int s = 0; s < 3; s++) {
                    SdModel.Step st = m.step(x, y);
                    m.parameters().forEach((k, p) -> p.subi(st.gradients().get(k).mul(0.1)));
                }
            };
            if (run == 0) {
                NativeMemoryPacer.using(new NativeMemoryPacer(() -> 0, () -> { }, System::nanoTime, 0), train);
            } else {
                NativeMemoryPacer.using(everyCall, train);
            }
            out[run] = m.flatParameters().toFloatVector();
        }
        assertTrue(gcs.get() >= 2, "the second run collected " + gcs.get() + " times");
        assertArrayEquals(out[0], out[1]);
    }
}
