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

    /** Convolution without bias, "same" padding; weights [kernel, kernel, inC, outC] (YXIO), He-normal init. */
    T conv(T x, long inC, long outC, int kernel, int stride);

    /** BatchNorm over channels; scale and shift [1, C, 1, 1], running statistics kept by the engine. */
    T batchNorm(T x, long channels);

    T relu(T x);

    /** 2x2 max pooling, stride 2. */
    T maxPool2(T x);

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
