package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.spi.ImageShape;

/**
 * The architectures that existed before the torchvision ones still get the same names, shapes and
 * initial weights: the checksums were computed by this test on the base commit ee62b92 (before
 * Layers grew new ops), so trained models and cache keys of cnn-small and preact-resnet18 stay valid.
 */
class ExistingArchitecturesUnchangedTest {
    static String checksum(Map<String, INDArray> arrays) {
        CRC32 crc = new CRC32();
        arrays.forEach((name, a) -> {
            crc.update((name + Arrays.toString(a.shape())).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            float[] v = a.castTo(DataType.FLOAT).ravel().toFloatVector();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length);
            for (float f : v) {
                b.putFloat(f);
            }
            crc.update(b.array());
        });
        return arrays.size() + ":" + Long.toHexString(crc.getValue());
    }

    @ParameterizedTest
    @CsvSource({
        "cnn-small, 3, 16, 8, 22:1031c18e",
        "cnn-small, 1, 28, 32, 22:eca7dd2",
        "preact-resnet18, 3, 16, 4, 90:ef6d8359",
    })
    void seedZeroGivesTheBaseCommitsWeights(String arch, int channels, int side, int width, String expected) {
        ModelSpec spec = ModelSpec.of(arch, new ImageShape(channels, side, side), 10, width);
        String actual = checksum(SdModel.create(spec, 0).snapshot());
        assertEquals(expected, actual);
    }
}
