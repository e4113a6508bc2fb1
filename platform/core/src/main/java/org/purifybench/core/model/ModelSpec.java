package org.purifybench.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.purifybench.core.UserException;
import org.purifybench.spi.ImageShape;

/**
 * Everything that determines a model's graph (not its weights).
 *
 * @param width     the stem's channel count (defaults: {@link #defaultWidth}); the other layers
 *                  scale with it (docs/architectures.md)
 * @param dtype     {@code float} for work, {@code double} only for gradient checks
 * @param inputSize 0 to use the images as they are, N to resize them to N x N (bilinear, PyTorch's
 *                  align_corners=False) as the model's first op. Left out of the JSON at 0, so the
 *                  model files and cache keys of specs without it are unchanged.
 */
public record ModelSpec(String architecture, ImageShape shape, int numClasses, int width, String dtype,
                        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int inputSize) {
    public static final String CNN_SMALL = "cnn-small";
    public static final String PREACT_RESNET18 = "preact-resnet18";
    public static final String RESNET18 = "resnet18";
    public static final String RESNET50 = "resnet50";
    public static final String DENSENET161 = "densenet161";
    public static final String VGG19_BN = "vgg19-bn";
    /** Every architecture id, in the order help texts list them. */
    public static final List<String> ARCHITECTURES =
            List.of(CNN_SMALL, PREACT_RESNET18, RESNET18, RESNET50, DENSENET161, VGG19_BN);

    public ModelSpec {
        if (!ARCHITECTURES.contains(architecture)) {
            throw new UserException("unknown model '" + architecture + "'",
                    "use model.arch: one of " + String.join(", ", ARCHITECTURES));
        }
        if (width <= 0 || numClasses < 2) {
            throw new UserException("invalid model width " + width + " or class count " + numClasses,
                    "model.width must be positive");
        }
        if (architecture.equals(DENSENET161) && width < 2) {
            throw new UserException("densenet161 needs a width of at least 2 (growth rate = width / 2)",
                    "model.width: 96 is torchvision's densenet161");
        }
        if (inputSize < 0) {
            throw new UserException("invalid model input size " + inputSize, "0 keeps the images' size, N resizes to N x N");
        }
        if (!dtype.equals("float") && !dtype.equals("double")) {
            throw new IllegalArgumentException("dtype must be float or double");
        }
    }

    public ModelSpec(String architecture, ImageShape shape, int numClasses, int width, String dtype) {
        this(architecture, shape, numClasses, width, dtype, 0);
    }

    public static ModelSpec of(String architecture, ImageShape shape, int numClasses, int width) {
        return new ModelSpec(architecture, shape, numClasses, width, "float");
    }

    /** The same spec resizing its input to {@code size} x {@code size} (0: not at all). */
    public ModelSpec withInputSize(int size) {
        return new ModelSpec(architecture, shape, numClasses, width, dtype, size);
    }

    /** The height the network sees after the optional resize. */
    public int inputHeight() {
        return inputSize > 0 ? inputSize : shape.height();
    }

    /** The width (in pixels) the network sees after the optional resize. */
    public int inputWidth() {
        return inputSize > 0 ? inputSize : shape.width();
    }

    /** The stem's channel count of torchvision's / BackdoorBench's network (cnn-small: 32 like the design's reference CNN). */
    public static int defaultWidth(String architecture) {
        return switch (architecture) {
            case CNN_SMALL -> 32;
            case DENSENET161 -> 96;
            default -> 64;
        };
    }
}
