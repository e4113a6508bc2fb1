package org.purifybench.tck;

import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SplitConfig;
import org.purifybench.core.data.Splits;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.run.Contexts;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Params;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/**
 * A tiny world for conformance checks: a seeded synthetic dataset (1x12x12, 4 classes), a tiny
 * cnn-small, a one-pixel-block trigger, and backdoored and clean models trained in seconds.
 * Contexts are built by the same code the real runner uses. Its public parts are SPI types (and
 * the kit's own records of them), so plug-in tests that use it need nothing from the core.
 */
public final class TckFixture {
    public static final ImageShape SHAPE = new ImageShape(1, 12, 12);
    public static final int CLASSES = 4;
    /** Width of the fixture's cnn-small models. */
    public static final int WIDTH = 6;
    private static TckFixture shared;

    public final Host host = DefaultHost.quiet();
    public final TckData dataset;
    public final TckSplits splits;
    public final Backdoor trigger = new CornerTrigger();
    public final Model clean;
    public final Model backdoored;
    /** What the models are, for the kit's architecture check; the core's type stays inside the kit. */
    final ModelSpec spec = ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, CLASSES, WIDTH);

    private TckFixture() {
        Dataset data = SyntheticImages.generate(SHAPE, CLASSES, 600, 200, 3);
        Splits parts = Splits.make(data, new SplitConfig(0.2, 0.1, 100, 0), 1);
        dataset = new TckData(data.train(), data.test());
        splits = new TckSplits(parts.attackerTrain(), parts.tuning(), parts.validation(), parts.retuningPool(), parts.test());
        TrainConfig cfg = TrainConfig.sgd(8, 32, 0.05);
        // The host's own models, so that the sandbox can ship them to a child by their spec.
        clean = Tck.engine().create(spec, 1);
        host.trainer().train(clean, splits.attackerTrain(), cfg, StepHook.PLAIN, 1, "tck clean");
        backdoored = Tck.engine().create(spec, 1);
        host.trainer().train(backdoored, trigger.poison(splits.attackerTrain()).data(), cfg, StepHook.PLAIN, 1, "tck backdoor");
    }

    /** Trained once per JVM: conformance checks of many plug-ins share it. */
    public static synchronized TckFixture get() {
        if (shared == null) {
            shared = new TckFixture();
        }
        return shared;
    }

    public DefenseContext defenseContext(PluginDescriptor d, long seed, Params params) {
        Supplier<Model> cleanModel = () -> clean;
        return Contexts.defense(d, new Contexts.DefenseInputs(backdoored, splits.tuning(), splits.validation(), trigger, cleanModel),
                seed, params, host);
    }

    public EvaluationContext evaluationContext(Model purified, long seed, Params params) {
        return evaluationContext(purified, seed, params, Map.of());
    }

    /**
     * An evaluation context of defense "tck" whose cell also holds {@code otherDefenses} (name to
     * purified model), for evaluators that compare defenses.
     */
    public EvaluationContext evaluationContext(Model purified, long seed, Params params, Map<String, ? extends Model> otherDefenses) {
        return evaluationContext(purified, seed, params, otherDefenses, Map.of());
    }

    /**
     * As {@link #evaluationContext(Model, long, Params, Map)}, the cell's defenses having the
     * {@code roles} given (name to role; "tck" and any name not given is a purifier), for evaluators
     * that ask for the oracle or leave out the baselines.
     */
    public EvaluationContext evaluationContext(Model purified, long seed, Params params, Map<String, ? extends Model> otherDefenses,
                                               Map<String, org.purifybench.spi.Role> roles) {
        Map<String, Supplier<? extends Model>> cell = new java.util.LinkedHashMap<>();
        cell.put("tck", () -> purified);
        otherDefenses.forEach((name, model) -> cell.put(name, () -> model));
        return org.purifybench.core.run.Roles.aware(Contexts.evaluation(new Contexts.EvaluationInputs("tck-corner", "tck", "tck",
                purified, backdoored, clean, trigger, dataset.test(), splits.retuningPool(), cell), seed, params, host,
                new Contexts.Memos(new java.util.HashMap<>(), new java.util.HashMap<>())), roles);
    }

    /** A 3x3 white block in the top-left corner; dirty label to class 0; 10% poisoned. */
    static final class CornerTrigger implements Backdoor {
        @Override
        public int targetLabel() {
            return 0;
        }

        @Override
        public PoisonedSet poison(LabeledImages clean) {
            int[] idx = clean.indicesNotLabeled(0);
            int n = clean.size() / 10;
            int[] chosen = java.util.Arrays.copyOf(idx, n);
            INDArray images = clean.images().dup();
            int[] labels = clean.labels();
            for (int i : chosen) {
                images.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(0, 3), NDArrayIndex.interval(0, 3)).assign(1.0);
                labels[i] = 0;
            }
            return new PoisonedSet(new LabeledImages(images, labels, clean.numClasses()), chosen);
        }

        @Override
        public INDArray apply(INDArray images, Phase phase) {
            INDArray copy = images.dup();
            copy.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 3), NDArrayIndex.interval(0, 3)).assign(1.0);
            return copy;
        }
    }
}
