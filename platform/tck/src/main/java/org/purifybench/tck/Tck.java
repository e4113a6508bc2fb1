package org.purifybench.tck;

import java.io.PrintStream;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.SdModel;
import org.purifybench.core.run.Contexts;
import org.purifybench.spi.ArtefactStore;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

/**
 * The host's parts a plug-in's own tests need beyond {@link TckFixture}, typed with SPI types: the
 * host's trainer, its models, its synthetic images and the contexts the runner builds. Plug-in tests
 * use these instead of the core, so they compile against what the plug-in itself may use.
 */
public final class Tck {
    /** The architecture of the fixture's models and of {@link #cnnSmall}. */
    public static final String CNN_SMALL = ModelSpec.CNN_SMALL;

    private Tck() {
    }

    /** The host the runner gives plug-ins, without progress bars or log lines. */
    public static Host quietHost() {
        return DefaultHost.quiet();
    }

    /** The host the runner gives plug-ins, without progress bars, logging to {@code log}. */
    public static Host host(PrintStream log) {
        return new DefaultHost(false, log);
    }

    /** The system property naming the engine the kit's models live on ({@code nd4j} when unset). */
    public static final String ENGINE_PROPERTY = "purifybench.test.engine";

    /**
     * The engine the kit's models are built on: {@code nd4j}, or the one the system property
     * {@value #ENGINE_PROPERTY} names (the build runs some plug-in tests again with {@code pytorch}).
     */
    static ComputeEngine engine() {
        return Engines.open(System.getProperty(ENGINE_PROPERTY, ComputeEngine.DEFAULT), ComputeEngine.CPU);
    }

    /** A freshly initialised (seeded) cnn-small in single precision, as the runner builds one, on {@link #engine()}. */
    public static Model cnnSmall(ImageShape shape, int numClasses, int width, long seed) {
        return engine().create(ModelSpec.of(ModelSpec.CNN_SMALL, shape, numClasses, width), seed);
    }

    /** As {@link #cnnSmall(ImageShape, int, int, long)} in {@code dtype} ("float" or "double"). */
    public static Model cnnSmall(ImageShape shape, int numClasses, int width, String dtype, long seed) {
        return SdModel.create(new ModelSpec(ModelSpec.CNN_SMALL, shape, numClasses, width, dtype), seed);
    }

    /**
     * The host model's mean cross-entropy on one batch in training mode, without gradients: the
     * function whose gradient the host's trainer takes, for tests that check gradients numerically.
     */
    public static double trainingLoss(Model model, INDArray images, INDArray oneHotLabels) {
        if (!(model instanceof SdModel sd)) {
            throw new IllegalArgumentException("trainingLoss needs one of the host's models (Tck.cnnSmall, TckFixture), got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        return sd.loss(images, oneHotLabels);
    }

    /** Seeded synthetic images: each class a pattern plus noise, learnable in seconds. */
    public static TckData syntheticImages(ImageShape shape, int numClasses, int trainSize, int testSize, long seed) {
        Dataset d = SyntheticImages.generate(shape, numClasses, trainSize, testSize, seed);
        return new TckData(d.train(), d.test());
    }

    /** The context the runner gives an attack; {@code training} and {@code cleanModel} may be null when not declared. */
    public static AttackContext attackContext(PluginDescriptor d, ImageShape shape, int numClasses, int target, double rate,
                                              long seed, Params params, Host host, LabeledImages training,
                                              Supplier<? extends Model> cleanModel) {
        return Contexts.attack(d, shape, numClasses, target, rate, seed, params, host, training, cleanModel);
    }

    /** As above, with the store the runner keeps a prepared attack's artefacts in (trained encoders). */
    public static AttackContext attackContext(PluginDescriptor d, ImageShape shape, int numClasses, int target, double rate,
                                              long seed, Params params, Host host, LabeledImages training,
                                              Supplier<? extends Model> cleanModel, ArtefactStore artefacts) {
        return Contexts.attack(d, shape, numClasses, target, rate, seed, params, host, training, cleanModel, artefacts);
    }

    /** The context the runner gives a defense, handing out only the inputs it declared. */
    public static DefenseContext defenseContext(PluginDescriptor d, Model backdoored, LabeledImages tuning,
                                                LabeledImages validation, Backdoor trigger, Supplier<? extends Model> cleanModel,
                                                long seed, Params params, Host host) {
        return Contexts.defense(d, new Contexts.DefenseInputs(backdoored, tuning, validation, trigger, cleanModel), seed, params, host);
    }
}
