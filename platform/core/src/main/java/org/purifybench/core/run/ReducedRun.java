package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.ParamType;
import org.purifybench.spi.PluginDescriptor;

/**
 * A profile of record cut down to try it end to end on a small machine (a stand-in dataset, a few
 * epochs): training and every plug-in's epoch count (each integer parameter whose name ends in
 * "epochs": fine-tuning, inversion, RA, QRA, an attack's encoder) capped at N, and data accepted
 * whatever its checksums. Every cut is listed among the approximations, so a reduced report never
 * passes for the profile.
 */
public final class ReducedRun {
    private ReducedRun() {
    }

    public static MatrixSpec of(MatrixSpec spec, PluginRegistry registry, int epochs) {
        MatrixSpec base = spec.reduced(epochs);
        List<String> cuts = new ArrayList<>();
        List<MatrixSpec.PluginRef> attacks = cut(base.attacks(), id -> registry.attack(id).descriptor(), epochs, cuts);
        List<MatrixSpec.PluginRef> defenses = cut(base.defenses(), id -> registry.defense(id).descriptor(), epochs, cuts);
        List<MatrixSpec.PluginRef> evaluators = cut(base.evaluators(), id -> registry.evaluator(id).descriptor(), epochs, cuts);
        List<String> approx = new ArrayList<>(base.approximationsOrEmpty());
        if (!cuts.isEmpty()) {
            approx.add("reduced run: plug-in epochs capped at " + epochs + " (" + String.join(", ", cuts) + ")");
        }
        return new MatrixSpec(base.name(), base.description(), base.dataset(), base.splits(), base.model(), base.training(), attacks,
                base.poisonRates(), base.targetLabel(), defenses, evaluators, base.seeds(), approx, base.engine());
    }

    private static List<MatrixSpec.PluginRef> cut(List<MatrixSpec.PluginRef> refs, java.util.function.Function<String, PluginDescriptor> descriptor,
                                                  int epochs, List<String> cuts) {
        List<MatrixSpec.PluginRef> out = new ArrayList<>();
        for (MatrixSpec.PluginRef ref : refs) {
            Map<String, Object> params = ref.params() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(ref.params());
            for (ParamSpec p : descriptor.apply(ref.id()).params()) {
                if (p.type() != ParamType.INT || !p.name().endsWith("epochs")) {
                    continue;
                }
                Object now = params.containsKey(p.name()) ? params.get(p.name()) : Integer.valueOf(p.defaultValue());
                // A per-attack map is left as written: capping it would need every attack's value.
                if (now instanceof Number n && n.intValue() > epochs) {
                    params.put(p.name(), epochs);
                    cuts.add(ref.id() + "." + p.name() + " " + n.intValue() + "->" + epochs);
                }
            }
            out.add(params.equals(ref.params() == null ? Map.of() : ref.params()) ? ref
                    : new MatrixSpec.PluginRef(ref.id(), params, ref.poisonRates()));
        }
        return out;
    }
}
