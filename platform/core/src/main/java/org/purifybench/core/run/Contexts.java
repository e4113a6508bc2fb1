package org.purifybench.core.run;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.purifybench.spi.ArtefactStore;
import org.purifybench.spi.AttackContext;
import org.purifybench.spi.Backdoor;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.Host;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.toolkit.KeyedMemo;

/**
 * Builds the contexts plug-ins receive. Each hands out only what the plug-in declared, and
 * models as private copies, so a plug-in cannot alter the harness's models or see test data.
 */
public final class Contexts {
    private Contexts() {
    }

    public static AttackContext attack(PluginDescriptor d, ImageShape shape, int numClasses, int target, double rate,
                                       long seed, Params params, Host host, LabeledImages training,
                                       Supplier<? extends Model> cleanModel) {
        return attack(d, shape, numClasses, target, rate, seed, params, host, training, cleanModel, ArtefactStore.NONE);
    }

    public static AttackContext attack(PluginDescriptor d, ImageShape shape, int numClasses, int target, double rate,
                                       long seed, Params params, Host host, LabeledImages training,
                                       Supplier<? extends Model> cleanModel, ArtefactStore artefacts) {
        boolean wantsClean = d.needs(Need.CLEAN_REFERENCE_MODEL);
        return new AttackContext() {
            @Override
            public ImageShape shape() {
                return shape;
            }

            @Override
            public int numClasses() {
                return numClasses;
            }

            @Override
            public int targetLabel() {
                return target;
            }

            @Override
            public double poisonRate() {
                return rate;
            }

            @Override
            public long seed() {
                return seed;
            }

            @Override
            public Params params() {
                return params;
            }

            @Override
            public Host host() {
                return host;
            }

            @Override
            public LabeledImages trainingData() {
                return training;
            }

            @Override
            public Optional<Model> cleanModel() {
                return wantsClean ? Optional.of(cleanModel.get().copy()) : Optional.empty();
            }

            @Override
            public ArtefactStore artefacts() {
                return artefacts;
            }
        };
    }

    /** Inputs a defense may be given; the context filters them by the defense's declared needs. */
    public record DefenseInputs(Model backdoored, LabeledImages tuning, LabeledImages validation, Backdoor trigger,
                                Supplier<? extends Model> cleanModel) {
    }

    public static DefenseContext defense(PluginDescriptor d, DefenseInputs in, long seed, Params params, Host host) {
        return defense(d, in, seed, params, host, (name, value) -> { });
    }

    /** As above; the defense's {@link DefenseContext#diagnostic diagnostics} go to {@code diagnostics}. */
    public static DefenseContext defense(PluginDescriptor d, DefenseInputs in, long seed, Params params, Host host,
                                         java.util.function.BiConsumer<String, Double> diagnostics) {
        return defense(d, in, seed, params, host, diagnostics, new KeyedMemo<>());
    }

    /** As above; {@link DefenseContext#cellMemo} answers from {@code cellMemo}, which the cell's defenses share. */
    public static DefenseContext defense(PluginDescriptor d, DefenseInputs in, long seed, Params params, Host host,
                                         java.util.function.BiConsumer<String, Double> diagnostics, KeyedMemo<String, Object> cellMemo) {
        Model privateCopy = in.backdoored().copy();
        return new DefenseContext() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T cellMemo(String key, Supplier<T> compute) {
                return (T) cellMemo.get(key, compute);
            }

            @Override
            public void diagnostic(String name, double value) {
                if (name == null || !name.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
                    throw new IllegalArgumentException("diagnostic name must be lower-case words joined by hyphens, got '" + name + "'");
                }
                diagnostics.accept(name, value);
            }

            @Override
            public Model backdooredModel() {
                return privateCopy;
            }

            @Override
            public Optional<LabeledImages> tuningData() {
                return d.needs(Need.CLEAN_TUNING_DATA) ? Optional.of(in.tuning()) : Optional.empty();
            }

            @Override
            public Optional<LabeledImages> validationData() {
                return d.needs(Need.VALIDATION_DATA) ? Optional.of(in.validation()) : Optional.empty();
            }

            @Override
            public Optional<Backdoor> oracleTrigger() {
                return d.needs(Need.ORACLE_TRIGGER) ? Optional.of(in.trigger()) : Optional.empty();
            }

            @Override
            public Optional<Model> cleanModel() {
                return d.needs(Need.CLEAN_REFERENCE_MODEL) ? Optional.of(in.cleanModel().get().copy()) : Optional.empty();
            }

            @Override
            public int numClasses() {
                return privateCopy.numClasses();
            }

            @Override
            public long seed() {
                return seed;
            }

            @Override
            public Params params() {
                return params;
            }

            @Override
            public Host host() {
                return host;
            }
        };
    }

    /**
     * {@code inner}, noting in {@code asked} every need the defense asks its context for (tuning data,
     * validation split, trigger, clean model), whether or not it was declared and so offered. The
     * conformance kit and the sandbox report it: a defense that asks for an undeclared need, or declares
     * one it never asks for, does not declare its needs truthfully. {@code asked} should be thread-safe.
     */
    public static DefenseContext recording(DefenseContext inner, Set<Need> asked) {
        return new DefenseContext() {
            @Override
            public Model backdooredModel() {
                return inner.backdooredModel();
            }

            @Override
            public Optional<LabeledImages> tuningData() {
                asked.add(Need.CLEAN_TUNING_DATA);
                return inner.tuningData();
            }

            @Override
            public Optional<LabeledImages> validationData() {
                asked.add(Need.VALIDATION_DATA);
                return inner.validationData();
            }

            @Override
            public Optional<Backdoor> oracleTrigger() {
                asked.add(Need.ORACLE_TRIGGER);
                return inner.oracleTrigger();
            }

            @Override
            public Optional<Model> cleanModel() {
                asked.add(Need.CLEAN_REFERENCE_MODEL);
                return inner.cleanModel();
            }

            @Override
            public int numClasses() {
                return inner.numClasses();
            }

            @Override
            public long seed() {
                return inner.seed();
            }

            @Override
            public Params params() {
                return inner.params();
            }

            @Override
            public Host host() {
                return inner.host();
            }

            @Override
            public <T> T cellMemo(String key, Supplier<T> compute) {
                return inner.cellMemo(key, compute);
            }
        };
    }

    /**
     * Everything an evaluator sees of one (cell, defense). {@code cellDefenses} maps every defense
     * name of the cell to its (lazily purified) model.
     */
    public record EvaluationInputs(String attackId, String defenseId, String defenseName, Model purified, Model backdoored,
                                   Model clean, Backdoor backdoor, LabeledImages test, LabeledImages retuningPool,
                                   Map<String, Supplier<? extends Model>> cellDefenses) {
    }

    /** Per-cell caches: one per evaluator configuration ({@code own}) and one all evaluators share. */
    public record Memos(Map<String, Object> own, Map<String, Object> shared) {
    }

    public static EvaluationContext evaluation(EvaluationInputs in, long seed, Params params, Host host, Memos memos) {
        return new EvaluationContext() {
            @Override
            public String attackId() {
                return in.attackId();
            }

            @Override
            public String defenseId() {
                return in.defenseId();
            }

            @Override
            public String defenseName() {
                return in.defenseName();
            }

            @Override
            public List<String> defenses() {
                return List.copyOf(in.cellDefenses().keySet());
            }

            @Override
            public Optional<Model> purifiedModelOf(String defense) {
                Supplier<? extends Model> m = in.cellDefenses().get(defense);
                return m == null ? Optional.empty() : Optional.of(m.get().copy());
            }

            @Override
            public Model purifiedModel() {
                return in.purified().copy();
            }

            @Override
            public Model backdooredModel() {
                return in.backdoored().copy();
            }

            @Override
            public Model cleanModel() {
                return in.clean().copy();
            }

            @Override
            public Backdoor backdoor() {
                return in.backdoor();
            }

            @Override
            public LabeledImages testData() {
                return in.test();
            }

            @Override
            public LabeledImages retuningPool() {
                return in.retuningPool();
            }

            @Override
            public long seed() {
                return seed;
            }

            @Override
            public Params params() {
                return params;
            }

            @Override
            public Host host() {
                return host;
            }

            @Override
            public <T> T memo(String key, Supplier<T> compute) {
                return memoised(memos.own(), key, compute);
            }

            @Override
            public <T> T cellMemo(String key, Supplier<T> compute) {
                return memoised(memos.shared(), key, compute);
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <T> T memoised(Map<String, Object> memo, String key, Supplier<T> compute) {
        // Not computeIfAbsent: compute() may itself train for minutes and call memo() again.
        Object v = memo.get(key);
        if (v == null) {
            v = compute.get();
            memo.put(key, v);
        }
        return (T) v;
    }
}
