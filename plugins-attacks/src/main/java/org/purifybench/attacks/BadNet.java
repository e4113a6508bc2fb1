package org.purifybench.attacks;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Param;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PurifyBenchPlugin;

/** BadNets (Gu et al. 2017): a small checkerboard patch in the bottom-right corner, same in training and test. */
@PurifyBenchPlugin(kind = Kind.ATTACK, id = "badnet", version = "1.0.0",
        description = "BadNets: black/white checkerboard patch in the bottom-right corner, dirty label",
        paper = "Gu et al., BadNets, arXiv:1708.06733",
        params = {
            @Param(name = "size", type = ParamType.INT, defaultValue = "3", min = 1, description = "side of the square checkerboard patch, in pixels"),
            @Param(name = "margin", type = ParamType.INT, defaultValue = "0", min = 0, description = "pixels between the patch and the bottom-right corner")
        })
public final class BadNet implements Attack {
    @Override
    public Backdoor prepare(AttackContext ctx) {
        int size = ctx.params().getInt("size", 3);
        int margin = ctx.params().getInt("margin", 0);
        var shape = ctx.shape();
        if (size < 1 || size + margin > Math.min(shape.height(), shape.width())) {
            throw new IllegalArgumentException("badnet patch of size " + size + " and margin " + margin + " does not fit " + shape);
        }
        int top = shape.height() - margin - size;
        int left = shape.width() - margin - size;
        return new DirtyLabelBackdoor(ctx) {
            @Override
            void stamp(INDArray images, Phase phase) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        // White where (y + x) is even, so the corner pixel is white.
                        double v = (y + x) % 2 == 0 ? 1.0 : 0.0;
                        images.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(top + y), NDArrayIndex.point(left + x)).assign(v);
                    }
                }
            }

            @Override
            public String summary() {
                return size + "x" + size + " checkerboard at rows " + top + "-" + (top + size - 1) + ", columns " + left + "-" + (left + size - 1);
            }
        };
    }
}
