package org.purifybench.core.model;

/**
 * The model zoo, each written once against {@link Layers} so every engine runs the same network
 * with the same parameter names, shapes and initial weights. The torchvision families live in
 * {@link ResNets}, {@link DenseNets} and {@link Vggs}; {@link Layers#module} names each layer's
 * PyTorch counterpart for {@link ParameterLayout}.
 */
public final class Architectures {
    private Architectures() {
    }

    /** The logits of {@code spec}'s architecture on {@code g}'s input. */
    public static <T> T build(Layers<T> g, ModelSpec spec) {
        return switch (spec.architecture()) {
            case ModelSpec.CNN_SMALL -> cnnSmall(g, spec);
            case ModelSpec.PREACT_RESNET18 -> preActResNet18(g, spec);
            case ModelSpec.RESNET18 -> ResNets.resnet(g, spec, false, new int[] {2, 2, 2, 2});
            case ModelSpec.RESNET50 -> ResNets.resnet(g, spec, true, new int[] {3, 4, 6, 3});
            case ModelSpec.DENSENET161 -> DenseNets.densenet161(g, spec);
            case ModelSpec.VGG19_BN -> Vggs.vgg19Bn(g, spec);
            default -> throw new IllegalArgumentException(spec.architecture());
        };
    }

    /** The images, resized first if the spec asks for it. */
    static <T> T input(Layers<T> g, ModelSpec spec) {
        T x = g.input();
        var s = spec.shape();
        return spec.inputSize() > 0 ? g.resize(x, s.height(), s.width(), spec.inputSize()) : x;
    }

    /** conv(w)-conv(w)-pool-conv(2w)-conv(2w)-pool-fc, each conv followed by BN + ReLU. */
    private static <T> T cnnSmall(Layers<T> g, ModelSpec spec) {
        int w = spec.width();
        T x = input(g, spec);
        long[] widths = {w, w, 2L * w, 2L * w};
        long in = spec.shape().channels();
        for (int i = 0; i < 4; i++) {
            g.module("conv" + (i + 1));
            x = g.conv(x, in, widths[i], 3, 1);
            g.module("bn" + (i + 1));
            x = g.relu(g.batchNorm(x, widths[i]));
            in = widths[i];
            if (i % 2 == 1) {
                x = g.maxPool2(x);
            }
        }
        long features = 2L * w * (spec.inputHeight() / 4) * (spec.inputWidth() / 4);
        x = g.features(g.flatten(x, features));
        g.module("fc");
        return g.dense(x, features, spec.numClasses(), "fc");
    }

    /**
     * Pre-activation ResNet-18 (He et al. 2016), stages of width w, 2w, 4w, 8w; module names of
     * BackdoorBench's models/preact_resnet.py, whose network has no final BN + ReLU (see
     * docs/architectures.md: "bn" is ours only).
     */
    private static <T> T preActResNet18(Layers<T> g, ModelSpec spec) {
        int w = spec.width();
        g.module("conv1");
        T x = g.conv(input(g, spec), spec.shape().channels(), w, 3, 1);
        long in = w;
        int[] widths = {w, 2 * w, 4 * w, 8 * w};
        int[] strides = {1, 2, 2, 2};
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < 2; block++) {
                int stride = block == 0 ? strides[stage] : 1;
                x = preActBlock(g, "layer" + (stage + 1) + "." + block + ".", x, in, widths[stage], stride);
                in = widths[stage];
            }
        }
        g.module("bn");
        x = g.features(g.globalAvgPool(g.relu(g.batchNorm(x, in))));
        g.module("linear");
        return g.dense(x, in, spec.numClasses(), "fc");
    }

    private static <T> T preActBlock(Layers<T> g, String prefix, T x, long in, long out, int stride) {
        g.module(prefix + "bn1");
        T pre = g.relu(g.batchNorm(x, in));
        T shortcut = x;
        if (stride != 1 || in != out) {
            g.module(prefix + "shortcut.0");
            shortcut = g.conv(pre, in, out, 1, stride);
        }
        g.module(prefix + "conv1");
        T y = g.conv(pre, in, out, 3, stride);
        g.module(prefix + "bn2");
        y = g.relu(g.batchNorm(y, out));
        g.module(prefix + "conv2");
        y = g.conv(y, out, out, 3, 1);
        return g.add(y, shortcut);
    }
}
