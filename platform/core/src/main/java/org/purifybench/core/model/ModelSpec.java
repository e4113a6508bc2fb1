package org.purifybench.core.model;

import org.purifybench.core.UserException;
import org.purifybench.spi.ImageShape;

/**
 * Everything that determines a model's graph (not its weights).
 *
 * @param width base channel count (cnn-small: 32 like the design's reference CNN; preact-resnet18: 64)
 * @param dtype {@code float} for work, {@code double} only for gradient checks
 */
public record ModelSpec(String architecture, ImageShape shape, int numClasses, int width, String dtype) {
    public static final String CNN_SMALL = "cnn-small";
    public static final String PREACT_RESNET18 = "preact-resnet18";

    public ModelSpec {
        if (!architecture.equals(CNN_SMALL) && !architecture.equals(PREACT_RESNET18)) {
            throw new UserException("unknown model '" + architecture + "'",
                    "use model.arch: " + CNN_SMALL + " or " + PREACT_RESNET18);
        }
        if (width <= 0 || numClasses < 2) {
            throw new UserException("invalid model width " + width + " or class count " + numClasses,
                    "model.width must be positive");
        }
        if (!dtype.equals("float") && !dtype.equals("double")) {
            throw new IllegalArgumentException("dtype must be float or double");
        }
    }

    public static ModelSpec of(String architecture, ImageShape shape, int numClasses, int width) {
        return new ModelSpec(architecture, shape, numClasses, width, "float");
    }

    public static int defaultWidth(String architecture) {
        return architecture.equals(PREACT_RESNET18) ? 64 : 32;
    }
}
