package org.purifybench.core.model;

/**
 * torchvision 0.14's vgg19_bn (torchvision/models/vgg.py, configuration "E" with BatchNorm), which
 * BackdoorBench uses unchanged, also on 32x32 input (utils/aggregate_block/model_trainer_generate.py):
 * there the five max pools leave a 1x1 map that AdaptiveAvgPool2d((7, 7)) replicates to 7x7.
 * Width w = the first conv's channels (torchvision: 64); every conv scales by w / 64, the
 * classifier's hidden layers (4096) too. Dropout p = 0.5 as in torchvision.
 */
final class Vggs {
    /** Channels of configuration E in units of w; 0 is a 2x2 max pool. */
    private static final int[] CFG_E = {1, 1, 0, 2, 2, 0, 4, 4, 4, 4, 0, 8, 8, 8, 8, 0, 8, 8, 8, 8, 0};
    private static final double DROPOUT = 0.5;

    private Vggs() {
    }

    static <T> T vgg19Bn(Layers<T> g, ModelSpec spec) {
        if (spec.inputHeight() < 32 || spec.inputWidth() < 32) {
            throw new org.purifybench.core.UserException("vgg19-bn needs an input of at least 32x32 (five 2x2 max pools), not "
                    + spec.inputHeight() + "x" + spec.inputWidth(), "resize the input with model.inputSize");
        }
        int w = spec.width();
        T x = Architectures.input(g, spec);
        long in = spec.shape().channels();
        int h = spec.inputHeight();
        int wd = spec.inputWidth();
        int index = 0; // torchvision's index in the features Sequential: conv, BN, ReLU or a pool each take one
        for (int c : CFG_E) {
            if (c == 0) {
                x = g.maxPool2(x);
                h /= 2;
                wd /= 2;
                index++;
                continue;
            }
            long out = (long) c * w;
            g.module("features." + index);
            x = g.conv(x, in, out, 3, 1, 1, true);
            g.module("features." + (index + 1));
            x = g.relu(g.batchNorm(x, out));
            index += 3;
            in = out;
        }
        x = g.adaptiveAvgPool(x, h, wd, 7);
        long flat = in * 49;
        long hidden = 64L * w;
        x = g.flatten(x, flat);
        g.module("classifier.0");
        x = g.dropout(g.relu(g.dense(x, flat, hidden, "fc0")), hidden, DROPOUT);
        g.module("classifier.3");
        x = g.dropout(g.relu(g.dense(x, hidden, hidden, "fc1")), hidden, DROPOUT);
        g.module("classifier.6");
        return g.dense(g.features(x), hidden, spec.numClasses(), "fc");
    }
}
