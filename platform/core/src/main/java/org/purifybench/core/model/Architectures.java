package org.purifybench.core.model;

import org.nd4j.autodiff.samediff.SDVariable;

/** The model zoo, each a function from a {@link GraphBuilder} to logits. */
final class Architectures {
    private Architectures() {
    }

    static SDVariable build(GraphBuilder g, ModelSpec spec) {
        return switch (spec.architecture()) {
            case ModelSpec.CNN_SMALL -> cnnSmall(g, spec);
            case ModelSpec.PREACT_RESNET18 -> preActResNet18(g, spec);
            default -> throw new IllegalArgumentException(spec.architecture());
        };
    }

    /** conv(w)-conv(w)-pool-conv(2w)-conv(2w)-pool-fc, each conv followed by BN + ReLU. */
    private static SDVariable cnnSmall(GraphBuilder g, ModelSpec spec) {
        int w = spec.width();
        var s = spec.shape();
        SDVariable x = g.input;
        x = g.relu(g.batchNorm(g.conv(x, s.channels(), w, 3, 1), w));
        x = g.relu(g.batchNorm(g.conv(x, w, w, 3, 1), w));
        x = g.maxPool2(x);
        x = g.relu(g.batchNorm(g.conv(x, w, 2L * w, 3, 1), 2L * w));
        x = g.relu(g.batchNorm(g.conv(x, 2L * w, 2L * w, 3, 1), 2L * w));
        x = g.maxPool2(x);
        long features = 2L * w * (s.height() / 4) * (s.width() / 4);
        x = x.reshape(-1, features).rename(SdModel.FEATURES);
        return g.dense(x, features, spec.numClasses(), "fc");
    }

    /** Pre-activation ResNet-18 (He et al. 2016), stages of width w, 2w, 4w, 8w. */
    private static SDVariable preActResNet18(GraphBuilder g, ModelSpec spec) {
        int w = spec.width();
        SDVariable x = g.conv(g.input, spec.shape().channels(), w, 3, 1);
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
        x = g.globalAvgPool(g.relu(g.batchNorm(x, in))).rename(SdModel.FEATURES);
        return g.dense(x, in, spec.numClasses(), "fc");
    }

    private static SDVariable preActBlock(GraphBuilder g, SDVariable x, long in, long out, int stride) {
        SDVariable pre = g.relu(g.batchNorm(x, in));
        SDVariable shortcut = (stride != 1 || in != out) ? g.conv(pre, in, out, 1, stride) : x;
        SDVariable y = g.conv(pre, in, out, 3, stride);
        y = g.conv(g.relu(g.batchNorm(y, out)), out, out, 3, 1);
        return y.add(shortcut);
    }
}
