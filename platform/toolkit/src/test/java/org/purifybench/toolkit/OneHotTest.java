package org.purifybench.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OneHotTest {
    @Test
    void oneAtTheLabelZeroElsewhere() {
        INDArray y = OneHot.of(new int[] {2, 0, 1}, 3);
        assertEquals(DataType.FLOAT, y.dataType());
        assertEquals(Nd4j.createFromArray(new float[][] {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}), y);
        assertEquals(DataType.DOUBLE, OneHot.of(new int[] {1}, 2, DataType.DOUBLE).dataType());
    }

    @Test
    void aLabelOutsideTheClassesIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> OneHot.of(new int[] {0, 3}, 3));
        assertTrue(e.getMessage().contains("label 3 at 1"), e.getMessage());
    }
}
