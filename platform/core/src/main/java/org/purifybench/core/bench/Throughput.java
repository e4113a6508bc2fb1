package org.purifybench.core.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.HostModel;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;
import org.purifybench.spi.Trainer;

/**
 * Train-step and inference throughput of one model configuration, measured the way the platform
 * trains: {@link Trainer#train} over a shuffled in-memory set (so the data pipeline and the
 * optimiser are part of a step), and {@link HostModel#predict} on one batch for inference. The same
 * protocol is in the PyTorch reference script (resources bench/pytorch_reference.py): warm-up
 * steps, then {@code repeats} timed runs of {@code steps} steps, median reported.
 */
public final class Throughput {
    /** What to measure. */
    public record Config(String arch, ImageShape shape, int width, int batch, int steps) {
        public Config {
            ModelSpec.of(arch, shape, 10, width); // validates the architecture and shape
            if (batch < 2 || steps < 1) {
                throw new IllegalArgumentException("bench needs batch >= 2 and steps >= 1, got " + batch + ", " + steps);
            }
        }

        /** ARCH:CHANNELS:SIZE:WIDTH:BATCH:STEPS, the reference script's argument. */
        public String key() {
            return arch + ":" + shape.channels() + ":" + shape.height() + ":" + width + ":" + batch + ":" + steps;
        }
    }

    /** Medians and the individual runs, in seconds; peak resident memory of the process during this configuration. */
    public record Result(Config config, String engine, double trainStepSeconds, double inferBatchSeconds, List<Double> trainRuns,
                         List<Double> inferRuns, long peakRssBytes) {
        public double trainImagesPerSecond() {
            return config.batch() / trainStepSeconds;
        }

        public double inferImagesPerSecond() {
            return config.batch() / inferBatchSeconds;
        }
    }

    /** One epoch of the SGD the platform trains with (the reference script uses the same settings). */
    private static TrainConfig sgd(int batch) {
        return new TrainConfig(1, batch, 0.01, 0.9, true, 5e-4, "constant");
    }

    private Throughput() {
    }

    /**
     * A step hook that hands the plain gradient back after reading the model's parameters: what SAM,
     * PAM, FST, ANP and I-BAU cost beyond their own work on an engine whose arrays are not INDArrays
     * (the parameters copied out and back, the gradient out and in, every step).
     */
    public static final StepHook COPYING_HOOK = new StepHook() {
        @Override
        public java.util.Map<String, INDArray> gradient(org.purifybench.spi.StepContext step) {
            step.model().parameters();
            return step.gradient();
        }
    };

    public static Result measure(Config c, int warmup, int repeats, long seed, ComputeEngine engine) {
        return measure(c, warmup, repeats, seed, engine, StepHook.PLAIN);
    }

    /** As above, every step through {@code hook}. */
    public static Result measure(Config c, int warmup, int repeats, long seed, ComputeEngine engine, StepHook hook) {
        HostModel model = engine.create(ModelSpec.of(c.arch(), c.shape(), 10, c.width()), seed);
        LabeledImages data = randomImages(c, c.batch() * (long) Math.max(c.steps(), warmup), seed);
        INDArray evalBatch = data.range(0, c.batch()).images().dup();
        Trainer trainer = DefaultHost.quiet().trainer();
        TrainConfig cfg = sgd(c.batch());
        MemoryPeak.reset();
        if (warmup > 0) {
            trainer.train(model, data.range(0, c.batch() * warmup), cfg, hook, seed, "warm-up");
            for (int i = 0; i < warmup; i++) {
                model.predict(evalBatch);
            }
        }
        LabeledImages timed = data.range(0, c.batch() * c.steps());
        List<Double> train = new ArrayList<>();
        List<Double> infer = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            trainer.train(model, timed, cfg, hook, seed + r, "bench");
            train.add((System.nanoTime() - t) / 1e9 / c.steps());
            t = System.nanoTime();
            for (int i = 0; i < c.steps(); i++) {
                model.predict(evalBatch);
            }
            infer.add((System.nanoTime() - t) / 1e9 / c.steps());
        }
        return new Result(c, engine.label(), median(train), median(infer), train, infer, MemoryPeak.peakRssBytes());
    }

    /**
     * Resident memory (bytes) after each of {@code epochs} training epochs on {@code images} random
     * images: the check that native memory stays bounded over a long run (no growth per epoch).
     */
    public static List<Long> residentAfterEpochs(Config c, int epochs, int images, long seed, ComputeEngine engine) {
        HostModel model = engine.create(ModelSpec.of(c.arch(), c.shape(), 10, c.width()), seed);
        LabeledImages data = randomImages(c, images, seed);
        Trainer trainer = DefaultHost.quiet().trainer();
        TrainConfig cfg = sgd(c.batch());
        List<Long> resident = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            trainer.train(model, data, cfg, StepHook.PLAIN, seed + e, "epoch " + (e + 1));
            model.predict(data.range(0, Math.min(images, 500)).images());
            resident.add(MemoryPeak.residentBytes());
        }
        return resident;
    }

    static LabeledImages randomImages(Config c, long n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        var s = c.shape();
        float[] pixels = new float[Math.toIntExact(n * s.channels() * s.height() * s.width())];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble();
        }
        int[] labels = r.ints(n, 0, 10).toArray();
        INDArray images = Nd4j.create(pixels, new long[] {n, s.channels(), s.height(), s.width()}, DataType.FLOAT);
        return new LabeledImages(images, labels, 10);
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Peak resident memory from /proc (Linux), resettable per configuration. */
    static final class MemoryPeak {
        private MemoryPeak() {
        }

        /** Writing 5 to clear_refs resets VmHWM (Linux >= 4.0); elsewhere the peak is the process's. */
        static void reset() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | UnsupportedOperationException e) {
                // Not Linux or not permitted: the peak then covers the whole process so far.
            }
        }

        /** Current resident memory (VmRSS): ND4J's and libtorch's native memory alike. */
        static long residentBytes() {
            return status("VmRSS:");
        }

        static long peakRssBytes() {
            return status("VmHWM:");
        }

        private static long status(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(field)) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
            return -1;
        }

    }
}
