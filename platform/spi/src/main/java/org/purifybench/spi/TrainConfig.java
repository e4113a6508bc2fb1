package org.purifybench.spi;

/**
 * Settings of one SGD training phase.
 *
 * @param schedule    {@code constant}, {@code cosine} (per epoch, to 0) or {@code step} (x0.1 at 50% and 75%)
 * @param weightDecay L2 coefficient added to the gradient of every parameter
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, double momentum, boolean nesterov,
                          double weightDecay, String schedule) {
    public TrainConfig {
        if (epochs < 0 || batchSize <= 0 || learningRate < 0 || momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("invalid training config: " + epochs + " epochs, batch " + batchSize
                    + ", lr " + learningRate + ", momentum " + momentum + ", wd " + weightDecay);
        }
        if (!schedule.equals("constant") && !schedule.equals("cosine") && !schedule.equals("step")) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "' (use constant, cosine or step)");
        }
    }

    public static TrainConfig sgd(int epochs, int batchSize, double lr) {
        return new TrainConfig(epochs, batchSize, lr, 0.9, false, 5e-4, "cosine");
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, learningRate, momentum, nesterov, weightDecay, schedule);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(epochs, batchSize, lr, momentum, nesterov, weightDecay, schedule);
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
