package org.purifybench.core.model;

/**
 * torchvision 0.14's densenet161 (torchvision/models/densenet.py: growth 48, blocks 6-12-36-24,
 * 96 initial features, bn_size 4, no dropout), which BackdoorBench uses unchanged
 * (utils/aggregate_block/model_trainer_generate.py). Width w = the initial features; the growth
 * rate is w / 2, so w = 96 is torchvision's network and a small w a proportionally small one.
 * Each dense layer concatenates its output to the running feature map, the same channel order as
 * torchvision's {@code torch.cat(prev_features, 1)}.
 */
final class DenseNets {
    private static final int[] BLOCKS = {6, 12, 36, 24};
    private static final int BN_SIZE = 4;

    private DenseNets() {
    }

    static <T> T densenet161(Layers<T> g, ModelSpec spec) {
        int w = spec.width();
        long growth = w / 2;
        g.module("features.conv0");
        T x = g.conv(Architectures.input(g, spec), spec.shape().channels(), w, 7, 2, 3, false);
        g.module("features.norm0");
        x = g.maxPool(g.relu(g.batchNorm(x, w)), 3, 2, 1);
        long features = w;
        for (int block = 0; block < BLOCKS.length; block++) {
            for (int layer = 0; layer < BLOCKS[block]; layer++) {
                String p = "features.denseblock" + (block + 1) + ".denselayer" + (layer + 1) + ".";
                x = g.concat(x, denseLayer(g, p, x, features, growth));
                features += growth;
            }
            if (block < BLOCKS.length - 1) {
                String p = "features.transition" + (block + 1) + ".";
                g.module(p + "norm");
                x = g.relu(g.batchNorm(x, features));
                g.module(p + "conv");
                x = g.avgPool(g.conv(x, features, features / 2, 1, 1, 0, false), 2, 2);
                features /= 2;
            }
        }
        g.module("features.norm5");
        x = g.features(g.globalAvgPool(g.relu(g.batchNorm(x, features))));
        g.module("classifier");
        return g.dense(x, features, spec.numClasses(), "fc");
    }

    /** BN-ReLU-1x1 conv (bn_size x growth)-BN-ReLU-3x3 conv (growth): the new features only. */
    private static <T> T denseLayer(Layers<T> g, String p, T x, long in, long growth) {
        g.module(p + "norm1");
        T y = g.relu(g.batchNorm(x, in));
        g.module(p + "conv1");
        y = g.conv(y, in, BN_SIZE * growth, 1, 1, 0, false);
        g.module(p + "norm2");
        y = g.relu(g.batchNorm(y, BN_SIZE * growth));
        g.module(p + "conv2");
        return g.conv(y, BN_SIZE * growth, growth, 3, 1, 1, false);
    }
}
