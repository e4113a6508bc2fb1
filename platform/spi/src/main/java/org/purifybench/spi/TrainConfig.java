package org.purifybench.spi;

/**
 * Settings of one training phase.
 *
 * @param optimizer    {@code sgd} (momentum, optional Nesterov) or {@code adam} (PyTorch's Adam:
 *                     betas 0.9/0.999, eps 1e-8, weight decay added to the gradient; momentum and
 *                     Nesterov are ignored) - BTI-DBF's reference unlearning uses Adam
 * @param schedule     {@code constant}, {@code cosine} (per epoch, to 0) or {@code step} (x0.1 at 50% and 75%)
 * @param weightDecay  L2 coefficient added to the gradient of every parameter
 * @param augmentation {@code none} or {@code crop-flip}: each batch is randomly shifted by up to 4
 *                     pixels (a zero-padded random crop of the original size) and mirrored
 *                     left-right with probability 1/2, as torchvision's RandomCrop(32, padding=4)
 *                     + RandomHorizontalFlip in the reference code's training transforms
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, double momentum, boolean nesterov,
                          double weightDecay, String schedule, String optimizer, String augmentation) {
    public static final String SGD = "sgd";
    public static final String ADAM = "adam";
    public static final String NO_AUGMENTATION = "none";
    public static final String CROP_FLIP = "crop-flip";

    public TrainConfig {
        if (epochs < 0 || batchSize <= 0 || learningRate < 0 || momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("invalid training config: " + epochs + " epochs, batch " + batchSize
                    + ", lr " + learningRate + ", momentum " + momentum + ", wd " + weightDecay);
        }
        if (!schedule.equals("constant") && !schedule.equals("cosine") && !schedule.equals("step")) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "' (use constant, cosine or step)");
        }
        if (optimizer == null) {
            optimizer = SGD;
        }
        if (!optimizer.equals(SGD) && !optimizer.equals(ADAM)) {
            throw new IllegalArgumentException("unknown optimizer '" + optimizer + "' (use sgd or adam)");
        }
        if (augmentation == null) {
            augmentation = NO_AUGMENTATION;
        }
        if (!augmentation.equals(NO_AUGMENTATION) && !augmentation.equals(CROP_FLIP)) {
            throw new IllegalArgumentException("unknown augmentation '" + augmentation + "' (use none or crop-flip)");
        }
    }

    /** SGD without augmentation (the form plug-ins compiled before optimizer and augmentation existed use). */
    public TrainConfig(int epochs, int batchSize, double learningRate, double momentum, boolean nesterov,
                       double weightDecay, String schedule) {
        this(epochs, batchSize, learningRate, momentum, nesterov, weightDecay, schedule, SGD, NO_AUGMENTATION);
    }

    public static TrainConfig sgd(int epochs, int batchSize, double lr) {
        return new TrainConfig(epochs, batchSize, lr, 0.9, false, 5e-4, "cosine");
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, learningRate, momentum, nesterov, weightDecay, schedule, optimizer, augmentation);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(epochs, batchSize, lr, momentum, nesterov, weightDecay, schedule, optimizer, augmentation);
    }

    public TrainConfig withOptimizer(String o) {
        return new TrainConfig(epochs, batchSize, learningRate, momentum, nesterov, weightDecay, schedule, o, augmentation);
    }

    public TrainConfig withAugmentation(String a) {
        return new TrainConfig(epochs, batchSize, learningRate, momentum, nesterov, weightDecay, schedule, optimizer, a);
    }

    /** Learning rate at a fractional position {@code progress} in [0,1) of the phase. */
    public double learningRateAt(double progress) {
        return switch (schedule) {
            case "cosine" -> learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
            case "step" -> learningRate * (progress < 0.5 ? 1 : progress < 0.75 ? 0.1 : 0.01);
            default -> learningRate;
        };
    }
}
