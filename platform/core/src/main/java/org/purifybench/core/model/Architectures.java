package org.purifybench.core.model;

/**
 * The model zoo, each written once against {@link Layers} so every engine runs the same network
 * with the same parameter names, shapes and initial weights.
 */
public final class Architectures {
    private Architectures() {
    }

    /** The logits of {@code spec}'s architecture on {@code g}'s input. */
    public static <T> T build(Layers<T> g, ModelSpec spec) {
        return switch (spec.architecture()) {
            case ModelSpec.CNN_SMALL -> cnnSmall(g, spec);
            case ModelSpec.PREACT_RESNET18 -> preActResNet18(g, spec);
            default -> throw new IllegalArgumentException(spec.architecture());
        };
    }

    /** conv(w)-conv(w)-pool-conv(2w)-conv(2w)-pool-fc, each conv followed by BN + ReLU. */
    private static <T> T cnnSmall(Layers<T> g, ModelSpec spec) {
        int w = spec.width();
        var s = spec.shape();
        T x = g.input();
        x = g.relu(g.batchNorm(g.conv(x, s.channels(), w, 3, 1), w));
        x = g.relu(g.batchNorm(g.conv(x, w, w, 3, 1), w));
        x = g.maxPool2(x);
        x = g.relu(g.batchNorm(g.conv(x, w, 2L * w, 3, 1), 2L * w));
        x = g.relu(g.batchNorm(g.conv(x, 2L * w, 2L * w, 3, 1), 2L * w));
        x = g.maxPool2(x);
        long features = 2L * w * (s.height() / 4) * (s.width() / 4);
        x = g.features(g.flatten(x, features));
        return g.dense(x, features, spec.numClasses(), "fc");
    }

    /** Pre-activation ResNet-18 (He et al. 2016), stages of width w, 2w, 4w, 8w. */
    private static <T> T preActResNet18(Layers<T> g, ModelSpec spec) {
        int w = spec.width();
        T x = g.conv(g.input(), spec.shape().channels(), w, 3, 1);
        long in = w;
        int[] widths = {w, 2 * w, 4 * w, 8 * w};
        int[] strides = {1, 2, 2, 2};
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < 2; block++) {
                int stride = block == 0 ? strides[stage] : 1;
                x = preActBlock(g, x, in, widths[stage], stride);
                in = widths[stage];
            }
        }
        x = g.features(g.globalAvgPool(g.relu(g.batchNorm(x, in))));
        return g.dense(x, in, spec.numClasses(), "fc");
    }

    private static <T> T preActBlock(Layers<T> g, T x, long in, long out, int stride) {
        T pre = g.relu(g.batchNorm(x, in));
        T shortcut = (stride != 1 || in != out) ? g.conv(pre, in, out, 1, stride) : x;
        T y = g.conv(pre, in, out, 3, stride);
        y = g.conv(g.relu(g.batchNorm(y, out)), out, out, 3, 1);
        return g.add(y, shortcut);
    }
}
