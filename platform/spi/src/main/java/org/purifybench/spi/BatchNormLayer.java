package org.purifybench.spi;

/**
 * One BatchNorm layer of a {@link Model}: the names (keys of {@link Model#parameters()}) of its
 * per-channel scale (gamma) and shift (beta), each holding {@code channels} values. Pruning and
 * neuron-masking defenses (ANP) work on these.
 */
public record BatchNormLayer(String scale, String shift, int channels) {
    public BatchNormLayer {
        if (scale == null || shift == null || channels <= 0) {
            throw new IllegalArgumentException("a BatchNorm layer needs its scale and shift names and a positive channel count");
        }
    }
}
