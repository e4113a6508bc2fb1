package org.purifybench.core.run;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.Splits;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Host;
import org.purifybench.spi.LabeledImages;

/**
 * What every cell of one run shares.
 *
 * @param params    every plug-in setting of the matrix bound to its declared parameters
 * @param purifiers how each defense is run (in this JVM or in the sandbox)
 * @param computed  the units computed so far
 * @param engine    where models are created and trained (the matrix's engine and device)
 * @param trainsModels false for a cluster's evaluation task: a clean or backdoored model missing from the
 *                  cache is then an error (stage 1 trains them), never trained in the wrong stage
 */
record RunScope(MatrixSpec spec, MatrixParams params, Dataset dataset, ModelSpec modelSpec, LabeledImages test, Journal journal, ModelCache cache,
                ArtefactCache artefacts, PluginRegistry registry, Host host, UnitFailures failures, PhaseClock clock,
                HardwareInfo hardware, Function<Defense, Purifier> purifiers, AtomicInteger computed, boolean trainsModels,
                ComputeEngine engine) {

    /** What the cells of one seed share: its splits and its clean model (made once, when a cell first needs it). */
    record Seed(long seed, Splits splits, CacheKeys.Key cleanKey, Supplier<HostModel> clean) {
    }

    /** The seed's splits and its lazily trained (or loaded) clean model. */
    Seed seed(long seed) {
        Splits splits = Splits.make(dataset, spec.splitConfig(), seed);
        CacheKeys.Key key = CacheKeys.clean(dataset, modelSpec, spec, seed);
        Supplier<HostModel> clean = once(stage("the clean model (seed " + seed + ")", () -> clock.time("backdoor-training",
                () -> model(key, "the clean model of seed " + seed, () -> {
                    HostModel m = initialModel(seed);
                    host.trainer().train(m, splits.attackerTrain(), spec.training().toConfig(), org.purifybench.spi.StepHook.PLAIN, seed,
                            "clean model (seed " + seed + ")");
                    return m;
                }))));
        return new Seed(seed, splits, key, clean);
    }

    /** A new model of the matrix's spec: seeded, then the pretrained backbone if the matrix names one. */
    HostModel initialModel(long seed) {
        HostModel m = engine.create(modelSpec, seed);
        Prerequisites.loadPretrained(m, spec, org.purifybench.core.weights.WeightsStore.standard(), host::log);
        return m;
    }

    /** A clean or backdoored model: from the cache, else trained (unless this is an evaluation task: then an error). */
    HostModel model(CacheKeys.Key key, String what, Supplier<HostModel> train) {
        if (trainsModels) {
            return cache.getOrBuild(key.hash(), key.description(), train).model();
        }
        return cache.require(key.hash(), what, "its training task (stage 1) must finish first: `purifybench status RUN` shows"
                + " the training stage, `purifybench run-unit --stage train` (or slurm submit again) trains what is missing");
    }

    /** Tags what a cell's units share, so a unit that fails for want of it says so (and the rest of the run goes on). */
    static <T> Supplier<T> stage(String what, Supplier<T> s) {
        return () -> {
            try {
                return s.get();
            } catch (UnitFailures.StageFailed | UnitFailures.DefenseFailed e) {
                throw e;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                throw new UnitFailures.StageFailed(what, e);
            }
        };
    }

    /**
     * Memoising supplier: made at most once, and only if some unit needs it. A failure is memoised too
     * (rethrown to every later caller): what failed in a run is not tried again in it.
     */
    static <T> Supplier<T> once(Supplier<T> s) {
        return new Supplier<>() {
            private T value;
            private RuntimeException failure;

            @Override
            public synchronized T get() {
                if (failure != null) {
                    throw failure;
                }
                if (value == null) {
                    try {
                        value = s.get();
                    } catch (RuntimeException e) {
                        if (!Thread.currentThread().isInterrupted()) {
                            failure = e;
                        }
                        throw e;
                    }
                }
                return value;
            }
        };
    }
}
