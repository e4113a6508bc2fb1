package org.purifybench.core.run;

import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Attack;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.EvaluationResult;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Phase;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.PoisonedSet;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/**
 * Small plug-ins for the plan's tests, registered as built-ins are (a services entry): an attack, a
 * defense that returns the backdoored model ({@code none}), an oracle that counts its runs, a defense
 * that throws, an evaluator that measures accuracy, one that throws and one that declares it needs
 * the oracle's model.
 */
final class PlanPlugins {
    static final AtomicInteger ORACLE_RUNS = new AtomicInteger();
    static final AtomicInteger EXPLOSIONS = new AtomicInteger();
    /** What {@link UsesOracle} saw: the oracle's runs so far when it started, per evaluation. */
    static final List<Integer> ORACLE_RUNS_SEEN = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    private PlanPlugins() {
    }

    static void reset() {
        ORACLE_RUNS.set(0);
        EXPLOSIONS.set(0);
        ORACLE_RUNS_SEEN.clear();
    }

    /** A registry of these plug-ins only. */
    static PluginRegistry registry(Path folder) throws Exception {
        Path services = folder.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(Attack.class.getName()), Corner.class.getName() + "\n");
        Files.writeString(services.resolve(Defense.class.getName()), String.join("\n", Unchanged.class.getName(),
                Oracle.class.getName(), Explode.class.getName()) + "\n");
        Files.writeString(services.resolve(Evaluator.class.getName()), String.join("\n", Probe.class.getName(),
                Broken.class.getName(), UsesOracle.class.getName()) + "\n");
        return PluginRegistry.load(new URLClassLoader(new java.net.URL[] {folder.toUri().toURL()}, PlanPlugins.class.getClassLoader()));
    }

    /** Sets a corner pixel and relabels a share of the images to the target. */
    public static final class Corner implements Attack {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.ATTACK, "corner", "1.0", "plan test attack", "");
        }

        @Override
        public Backdoor prepare(AttackContext c) {
            int target = c.targetLabel();
            double rate = c.poisonRate();
            return new Backdoor() {
                @Override
                public int targetLabel() {
                    return target;
                }

                @Override
                public PoisonedSet poison(LabeledImages clean) {
                    int[] chosen = Arrays.copyOf(clean.indicesNotLabeled(target), (int) Math.round(clean.size() * rate));
                    int[] labels = clean.labels();
                    for (int i : chosen) {
                        labels[i] = target;
                    }
                    return new PoisonedSet(new LabeledImages(apply(clean.images(), Phase.TRAIN, chosen), labels, clean.numClasses()), chosen);
                }

                @Override
                public INDArray apply(INDArray images, Phase phase) {
                    int[] all = new int[(int) images.size(0)];
                    Arrays.setAll(all, i -> i);
                    return apply(images, phase, all);
                }

                private INDArray apply(INDArray images, Phase phase, int[] which) {
                    INDArray x = images.dup();
                    for (int i : which) {
                        x.putScalar(new long[] {i, 0, 0, 0}, 1.0);
                    }
                    return x;
                }
            };
        }
    }

    /** The backdoored model as it is. */
    public static final class Unchanged implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(Kind.DEFENSE, "none", "1.0", "plan test reference", "", Set.of(), SpiVersion.CURRENT,
                    Role.BACKDOORED_BASELINE, List.of(), Set.of(), List.of());
        }

        @Override
        public Model purify(DefenseContext c) {
            return c.backdooredModel();
        }
    }

    /** An oracle (by role) that counts its runs. */
    public static final class Oracle implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(Kind.DEFENSE, "oracle", "1.0", "plan test oracle", "", Set.of(), SpiVersion.CURRENT,
                    Role.ORACLE, List.of(), Set.of(), List.of());
        }

        @Override
        public Model purify(DefenseContext c) {
            ORACLE_RUNS.incrementAndGet();
            return c.backdooredModel();
        }
    }

    /** Logs a line and throws. */
    public static final class Explode implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.DEFENSE, "explode", "1.0", "throws on purpose", "");
        }

        @Override
        public Model purify(DefenseContext c) {
            EXPLOSIONS.incrementAndGet();
            c.host().log("explode: about to fail");
            throw new IllegalStateException("explode refuses to purify");
        }
    }

    /** Accuracy of the defense's model on the test set. */
    public static final class Probe implements Evaluator {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.EVALUATOR, "probe", "1.0", "plan test evaluator", "", Need.TEST_DATA);
        }

        @Override
        public EvaluationResult evaluate(EvaluationContext c) {
            return new EvaluationResult().metric("acc", c.host().trainer().accuracy(c.purifiedModel(), c.testData()));
        }
    }

    /** Throws for every defense. */
    public static final class Broken implements Evaluator {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.EVALUATOR, "broken", "1.0", "fails on purpose", "");
        }

        @Override
        public EvaluationResult evaluate(EvaluationContext c) {
            throw new IllegalArgumentException("broken on purpose for " + c.defenseName());
        }
    }

    /** Declares it needs the oracle's model, and notes how often the oracle had run when it was called. */
    public static final class UsesOracle implements Evaluator {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(Kind.EVALUATOR, "uses-oracle", "1.0", "plan test evaluator", "", Set.of(Need.TEST_DATA),
                    SpiVersion.CURRENT, Role.PURIFIER, List.of("oracle-acc"), Set.of(Role.ORACLE), List.of());
        }

        @Override
        public EvaluationResult evaluate(EvaluationContext c) {
            ORACLE_RUNS_SEEN.add(ORACLE_RUNS.get());
            Model oracle = c.purifiedModelOf("oracle").orElseThrow();
            return new EvaluationResult().metric("oracle-acc", c.host().trainer().accuracy(oracle, c.testData()));
        }
    }
}
