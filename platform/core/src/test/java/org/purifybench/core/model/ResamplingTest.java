package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.ImageShape;

/**
 * The ND4J graph's resize and adaptive pooling reproduce PyTorch's outputs (the PyTorch engine is
 * held to the ND4J one by the cross-engine tests). The expected values in
 * src/test/resources/torchvision/interpolate.txt were written with torch 1.13 by
 * <pre>
 * /usr/bin/python3 -c "
 * import torch, torch.nn.functional as F
 * x = torch.tensor([((i * 37) % 101) / 101.0 for i in range(2*5*6)], dtype=torch.float64).reshape(1, 2, 5, 6)
 * with open('interpolate.txt', 'w') as f:
 *     for s in (8, 3, 24):
 *         y = F.interpolate(x, size=(s, s), mode='bilinear', align_corners=False)
 *         f.write(str(s) + ' ' + ' '.join(repr(float(v)) for v in y.flatten()) + '\n')
 *     for s in (7, 2, 3):
 *         y = F.adaptive_avg_pool2d(x, (s, s))
 *         f.write('pool' + str(s) + ' ' + ' '.join(repr(float(v)) for v in y.flatten()) + '\n')
 * "
 * </pre>
 */
class ResamplingTest {
    private static final ImageShape SHAPE = new ImageShape(2, 5, 6);

    private static INDArray input() {
        double[] v = new double[2 * 5 * 6];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((i * 37) % 101) / 101.0;
        }
        return Nd4j.create(v, new long[] {1, 2, 5, 6}, DataType.DOUBLE);
    }

    private static Map<String, double[]> expected() throws IOException {
        try (InputStream in = ResamplingTest.class.getResourceAsStream("/torchvision/interpolate.txt")) {
            Map<String, double[]> m = new HashMap<>();
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(l -> {
                String[] p = l.split(" ");
                m.put(p[0], Arrays.stream(p, 1, p.length).mapToDouble(Double::parseDouble).toArray());
            });
            return m;
        }
    }

    private static double[] run(boolean pool, int size) {
        GraphBuilder g = new GraphBuilder(new ModelSpec(ModelSpec.CNN_SMALL, SHAPE, 2, 1, "double"), 0);
        SDVariable out = pool ? g.adaptiveAvgPool(g.input(), 5, 6, size) : g.resize(g.input(), 5, 6, size);
        INDArray y = g.sd.output(Map.of(SdModel.INPUT, input(), SdModel.TRAIN_FLAG, Nd4j.scalar(DataType.DOUBLE, 0.0)),
                out.name()).get(out.name());
        assertArrayEquals(new long[] {1, 2, size, size}, y.shape());
        return y.ravel().toDoubleVector();
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 3, 24})
    void resizeIsTorchsBilinearInterpolation(int size) throws IOException {
        assertArrayEquals(expected().get(String.valueOf(size)), run(false, size), 1e-12);
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 2, 3})
    void adaptivePoolingIsTorchs(int size) throws IOException {
        assertArrayEquals(expected().get("pool" + size), run(true, size), 1e-12);
    }
}
