package org.purifybench.core.model;

/**
 * torchvision 0.14's ResNet (torchvision/models/resnet.py), which BackdoorBench uses unchanged for
 * resnet18 and resnet50 at any input size (utils/aggregate_block/model_trainer_generate.py).
 * ResNet-50 is v1.5: the stride sits on the bottleneck's 3x3 conv. Width w = the stem's channels
 * (torchvision: 64); stages have w, 2w, 4w, 8w planes.
 */
final class ResNets {
    private ResNets() {
    }

    static <T> T resnet(Layers<T> g, ModelSpec spec, boolean bottleneck, int[] blocks) {
        int w = spec.width();
        int expansion = bottleneck ? 4 : 1;
        g.module("conv1");
        T x = g.conv(Architectures.input(g, spec), spec.shape().channels(), w, 7, 2, 3, false);
        g.module("bn1");
        x = g.maxPool(g.relu(g.batchNorm(x, w)), 3, 2, 1);
        long in = w;
        for (int stage = 0; stage < 4; stage++) {
            long planes = (long) w << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                String prefix = "layer" + (stage + 1) + "." + b + ".";
                x = bottleneck ? bottleneck(g, prefix, x, in, planes, stride) : basic(g, prefix, x, in, planes, stride);
                in = planes * expansion;
            }
        }
        x = g.features(g.globalAvgPool(x));
        g.module("fc");
        return g.dense(x, in, spec.numClasses(), "fc");
    }

    private static <T> T basic(Layers<T> g, String prefix, T x, long in, long planes, int stride) {
        T y = convBn(g, prefix + "conv1", prefix + "bn1", x, in, planes, 3, stride, 1);
        y = convBn(g, prefix + "conv2", prefix + "bn2", g.relu(y), planes, planes, 3, 1, 1);
        return g.relu(g.add(y, downsample(g, prefix, x, in, planes, stride)));
    }

    private static <T> T bottleneck(Layers<T> g, String prefix, T x, long in, long planes, int stride) {
        T y = g.relu(convBn(g, prefix + "conv1", prefix + "bn1", x, in, planes, 1, 1, 0));
        y = g.relu(convBn(g, prefix + "conv2", prefix + "bn2", y, planes, planes, 3, stride, 1));
        y = convBn(g, prefix + "conv3", prefix + "bn3", y, planes, planes * 4, 1, 1, 0);
        return g.relu(g.add(y, downsample(g, prefix, x, in, planes * 4, stride)));
    }

    /** torchvision's downsample (1x1 conv with the block's stride + BN) where the shape changes, else the identity. */
    private static <T> T downsample(Layers<T> g, String prefix, T x, long in, long out, int stride) {
        if (stride == 1 && in == out) {
            return x;
        }
        return convBn(g, prefix + "downsample.0", prefix + "downsample.1", x, in, out, 1, stride, 0);
    }

    private static <T> T convBn(Layers<T> g, String conv, String bn, T x, long in, long out, int k, int stride, int pad) {
        g.module(conv);
        T y = g.conv(x, in, out, k, stride, pad, false);
        g.module(bn);
        return g.batchNorm(y, out);
    }
}
