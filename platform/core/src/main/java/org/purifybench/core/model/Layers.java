package org.purifybench.core.model;

/**
 * The operations the model zoo is written in, so that one definition of each architecture serves
 * every compute engine: SameDiff builds a graph from it once, an eager engine (PyTorch) runs it on
 * each forward pass. Parameters are named by the order in which layers are created
 * ({@code conv0_W}, {@code bn1_gamma}, ... {@code fc_W}), identically on every engine, so the same
 * names and shapes mean interchangeable weights.
 *
 * @param <T> the engine's tensor (or graph variable) type
 */
public interface Layers<T> {
    /** The images, NCHW. */
    T input();

    /**
     * Names the PyTorch module the next layer (conv, batchNorm or dense) corresponds to, e.g.
     * {@code layer1.0.conv1}: {@link ParameterLayout} maps our parameters to state-dict keys with it.
     * Engines ignore it.
     */
    default void module(String torchName) {
    }

    /** Convolution without bias, "same" padding ({@code kernel / 2}); weights [kernel, kernel, inC, outC] (YXIO), He-normal init. */
    default T conv(T x, long inC, long outC, int kernel, int stride) {
        return conv(x, inC, outC, kernel, stride, kernel / 2, false);
    }

    /**
     * Convolution with explicit zero padding, output side {@code (in + 2 padding - kernel) / stride + 1}
     * (floor, like PyTorch); weights as above, the optional bias [outC] starts at zero (torchvision's
     * VGG init) and draws nothing from the seeded stream.
     */
    T conv(T x, long inC, long outC, int kernel, int stride, int padding, boolean bias);

    /** BatchNorm over channels; scale and shift [1, C, 1, 1], running statistics kept by the engine. */
    T batchNorm(T x, long channels);

    T relu(T x);

    /** 2x2 max pooling, stride 2. */
    T maxPool2(T x);

    /** Max pooling with implicit -inf padding, floor mode (PyTorch's MaxPool2d). */
    T maxPool(T x, int kernel, int stride, int padding);

    /** Average pooling without padding, floor mode (PyTorch's AvgPool2d(kernel, stride)). */
    T avgPool(T x, int kernel, int stride);

    /**
     * PyTorch's AdaptiveAvgPool2d((out, out)) on an [N, C, inHeight, inWidth] input: output cell i
     * averages input rows floor(i in / out) to ceil((i + 1) in / out), so a 1x1 map is replicated.
     * The sizes are passed because the ND4J graph is built without static shapes.
     */
    T adaptiveAvgPool(T x, int inHeight, int inWidth, int out);

    /**
     * Bilinear resampling of [N, C, inHeight, inWidth] to [N, C, size, size] with PyTorch's
     * {@code F.interpolate(mode="bilinear", align_corners=False)} semantics, no antialiasing
     * ({@link Resampling#bilinear}).
     */
    T resize(T x, int inHeight, int inWidth, int size);

    /** Concatenation over channels: [N, Ca, H, W] and [N, Cb, H, W] to [N, Ca + Cb, H, W]. */
    T concat(T a, T b);

    /**
     * Inverted dropout on [N, size] in training mode only (identity in evaluation mode). Masks are
     * drawn on the host from a {@link DropoutMasks} stream seeded by the model's seed, one mask per
     * dropout layer per training-mode forward pass.
     */
    T dropout(T x, long size, double p);

    /** Mean over height and width: [N, C, H, W] to [N, C]. */
    T globalAvgPool(T x);

    /** [N, C, H, W] to [N, C*H*W], row-major like PyTorch's flatten. */
    T flatten(T x, long size);

    /** Marks {@code x} as the features the final classifier reads (Model.features). */
    T features(T x);

    T add(T a, T b);

    /** Fully connected layer {@code x W + b}, W [in, out], b [1, out], PyTorch-style uniform init. */
    T dense(T x, long in, long out, String name);
}
