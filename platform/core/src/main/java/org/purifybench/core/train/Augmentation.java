package org.purifybench.core.train;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.TrainConfig;
import org.purifybench.toolkit.Seeds;

/**
 * Training-time augmentation of a batch (NCHW). {@code crop-flip} is torchvision's
 * RandomCrop(size, padding=4) + RandomHorizontalFlip(): each image is shifted by a uniform
 * offset in [-4, 4] per axis with zeros entering at the border, then mirrored left-right with
 * probability 1/2 - the reference code's training transforms. Seeded, so training stays
 * reproducible.
 */
abstract class Augmentation {
    static final int PADDING = 4;

    static final Augmentation NONE = new Augmentation() {
        @Override
        INDArray apply(INDArray batch) {
            return batch;
        }
    };

    static Augmentation of(String name, long seed) {
        return name.equals(TrainConfig.CROP_FLIP) ? new CropFlip(seed) : NONE;
    }

    /** The augmented batch (a new array), or the batch itself when nothing changes. */
    abstract INDArray apply(INDArray batch);

    static final class CropFlip extends Augmentation {
        private final SplittableRandom random;

        CropFlip(long seed) {
            random = new SplittableRandom(Seeds.derive(seed, "augmentation"));
        }

        @Override
        INDArray apply(INDArray batch) {
            long[] shape = batch.shape();
            int n = (int) shape[0];
            int c = (int) shape[1];
            int h = (int) shape[2];
            int w = (int) shape[3];
            float[] in = batch.dup('c').data().asFloat();
            float[] out = new float[in.length];
            int plane = h * w;
            for (int i = 0; i < n; i++) {
                int dy = random.nextInt(2 * PADDING + 1) - PADDING;
                int dx = random.nextInt(2 * PADDING + 1) - PADDING;
                boolean flip = random.nextBoolean();
                for (int ch = 0; ch < c; ch++) {
                    int base = (i * c + ch) * plane;
                    shift(in, out, base, h, w, dy, dx, flip);
                }
            }
            return Nd4j.create(out, shape, 'c').castTo(batch.dataType());
        }

        /** out[y][x] = in[y + dy][x' + dx], x' = x or mirrored; zero outside the image. */
        static void shift(float[] in, float[] out, int base, int h, int w, int dy, int dx, boolean flip) {
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                if (sy < 0 || sy >= h) {
                    continue;
                }
                for (int x = 0; x < w; x++) {
                    int cx = flip ? w - 1 - x : x;
                    int sx = cx + dx;
                    if (sx >= 0 && sx < w) {
                        out[base + y * w + x] = in[base + sy * w + sx];
                    }
                }
            }
        }
    }
}
