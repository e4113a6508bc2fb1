package org.purifybench.tck;

import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.StepHook;
import org.purifybench.spi.TrainConfig;

/** Defenses that break one rule each (and one that breaks none), for the kit's own tests. */
final class KitFixtures {
    private KitFixtures() {
    }

    private static PluginDescriptor d(String id, Need... needs) {
        return PluginDescriptor.of(Kind.DEFENSE, id, "1.0", "kit fixture " + id, "", needs);
    }

    private static Model fineTune(DefenseContext c, long seed) {
        Model m = c.backdooredModel();
        c.host().trainer().train(m, c.requireTuningData(), TrainConfig.sgd(1, 32, 0.01), StepHook.PLAIN, seed, "kit fixture");
        return m;
    }

    /**
     * The only fixture the test classes' descriptor file declares (the processor writes it from this
     * annotation); asks for exactly what it declares. The others override descriptor() instead, so
     * they stay undeclared and the kit must report them.
     */
    @PurifyBenchPlugin(kind = Kind.DEFENSE, id = "honest", version = "1.0", description = "kit fixture honest",
            needs = Need.CLEAN_TUNING_DATA)
    public static final class Honest implements Defense {
        @Override
        public Model purify(DefenseContext c) {
            return fineTune(c, c.seed());
        }
    }

    /** Uses the tuning set without declaring it: requireTuningData() fails. */
    public static final class Undeclared implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("undeclared");
        }

        @Override
        public Model purify(DefenseContext c) {
            return fineTune(c, c.seed());
        }
    }

    /** Peeks at the validation split without declaring it, and works without it. */
    public static final class Peeks implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("peeks", Need.CLEAN_TUNING_DATA);
        }

        @Override
        public Model purify(DefenseContext c) {
            c.validationData().ifPresent(v -> c.host().log("validation: " + v.size()));
            return fineTune(c, c.seed());
        }
    }

    /** Declares the validation split and the clean model but never asks for them. */
    public static final class OverDeclared implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("over-declared", Need.CLEAN_TUNING_DATA, Need.VALIDATION_DATA, Need.CLEAN_REFERENCE_MODEL);
        }

        @Override
        public Model purify(DefenseContext c) {
            return fineTune(c, c.seed());
        }
    }

    /** Shuffles with the clock instead of the seed. */
    public static final class Unseeded implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("unseeded", Need.CLEAN_TUNING_DATA);
        }

        @Override
        public Model purify(DefenseContext c) {
            return fineTune(c, System.nanoTime());
        }
    }

    /** Writes into the harness's backdoored model (reached through the fixture, as in-process code can). */
    public static final class Vandal implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("vandal");
        }

        @Override
        public Model purify(DefenseContext c) {
            TckFixture.get().backdoored.parameters().values().iterator().next().addi(1);
            return c.backdooredModel();
        }
    }

    /** Returns a fresh model of another width. */
    public static final class Reshaper implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("reshaper");
        }

        @Override
        public Model purify(DefenseContext c) {
            return SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, TckFixture.SHAPE, TckFixture.CLASSES, 3), 1);
        }
    }

    /** Takes its time. */
    public static final class Sleepy implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("sleepy");
        }

        @Override
        public Model purify(DefenseContext c) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return c.backdooredModel();
        }
    }

    /** Claims the test set. */
    public static final class Greedy implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return d("greedy", Need.TEST_DATA);
        }

        @Override
        public Model purify(DefenseContext c) {
            return c.backdooredModel();
        }
    }
}
