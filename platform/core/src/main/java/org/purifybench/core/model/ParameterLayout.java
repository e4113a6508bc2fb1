package org.purifybench.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Our parameters and BatchNorm statistics beside their PyTorch state-dict keys and shapes, for
 * importing torchvision / BackdoorBench weights (and exporting ours). Computed by walking the
 * architecture with a recording {@link Layers}: no weights are allocated, so it is cheap even for
 * VGG-19's 143 M parameters.
 */
public final class ParameterLayout {
    private ParameterLayout() {
    }

    /** How an array's layout differs between the engines' and PyTorch's. */
    public enum Kind {
        /** ours [k, k, in, out] (YXIO), PyTorch [out, in, k, k]. */
        CONV,
        /** ours [in, out], PyTorch [out, in]. */
        DENSE,
        /** ours [1, C, 1, 1] (BatchNorm), [1, C] (dense bias) or [C] (conv bias), PyTorch [C]: the same values. */
        VECTOR
    }

    /**
     * One array.
     *
     * @param name  our name, as in {@code HostModel.snapshot()}
     * @param state a BatchNorm running statistic (not trained, not in {@link #parameterCount})
     */
    public record TorchParameter(String name, String torchKey, long[] shape, long[] torchShape, Kind kind, boolean state) {
        public long size() {
            return SeededInit.count(shape);
        }
    }

    /** Every parameter and BatchNorm running statistic of {@code spec}'s model, in creation order. */
    public static List<TorchParameter> of(ModelSpec spec) {
        Recorder r = new Recorder();
        Architectures.build(r, spec);
        return Collections.unmodifiableList(r.list);
    }

    /** The trainable parameters' element count (PyTorch's {@code sum(p.numel() for p in parameters())}). */
    public static long parameterCount(ModelSpec spec) {
        return of(spec).stream().filter(p -> !p.state()).mapToLong(TorchParameter::size).sum();
    }

    /**
     * State-dict keys PyTorch has and we do not: each BatchNorm's {@code num_batches_tracked} (only
     * used with momentum=None; importers skip it, exporters write the step count or 0).
     */
    public static List<String> ignoredTorchKeys(ModelSpec spec) {
        Recorder r = new Recorder();
        Architectures.build(r, spec);
        return Collections.unmodifiableList(r.ignored);
    }

    /** Records shapes; the "tensors" it passes along are null. Must name every layer it creates. */
    private static final class Recorder extends ParameterWalk {
        final List<TorchParameter> list = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();
        private int counter;
        private String module;

        private String take(String layer) {
            if (module == null) {
                throw new IllegalStateException("the architecture names no PyTorch module for " + layer);
            }
            String m = module;
            module = null;
            return m;
        }

        private void add(String name, String key, long[] shape, long[] torchShape, Kind kind, boolean state) {
            list.add(new TorchParameter(name, key, shape, torchShape, kind, state));
        }

        @Override
        public void module(String torchName) {
            module = torchName;
        }

        @Override
        public Object conv(Object x, long inC, long outC, int kernel, int stride, int padding, boolean bias) {
            String n = "conv" + (counter++);
            String m = take(n);
            add(n + "_W", m + ".weight", new long[] {kernel, kernel, inC, outC}, new long[] {outC, inC, kernel, kernel},
                    Kind.CONV, false);
            if (bias) {
                add(n + "_b", m + ".bias", new long[] {outC}, new long[] {outC}, Kind.VECTOR, false);
            }
            return null;
        }

        @Override
        public Object batchNorm(Object x, long channels) {
            String n = "bn" + (counter++);
            String m = take(n);
            long[] ours = {1, channels, 1, 1};
            long[] torch = {channels};
            add(n + "_gamma", m + ".weight", ours, torch, Kind.VECTOR, false);
            add(n + "_beta", m + ".bias", ours, torch, Kind.VECTOR, false);
            add(n + "_rmean", m + ".running_mean", ours, torch, Kind.VECTOR, true);
            add(n + "_rvar", m + ".running_var", ours, torch, Kind.VECTOR, true);
            ignored.add(m + ".num_batches_tracked");
            return null;
        }

        @Override
        public Object dense(Object x, long in, long out, String name) {
            String m = take(name);
            add(name + "_W", m + ".weight", new long[] {in, out}, new long[] {out, in}, Kind.DENSE, false);
            add(name + "_b", m + ".bias", new long[] {1, out}, new long[] {out}, Kind.VECTOR, false);
            return null;
        }

    }
}
