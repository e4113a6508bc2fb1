package org.purifybench.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.purifybench.core.UserException;
import org.purifybench.core.params.ParamBinding;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Plugin;

/**
 * Every configured plug-in of a matrix bound to its declared parameters ({@link ParamBinding}), done
 * before any work starts so a misspelled key fails in the first second. The run hands each plug-in
 * its bound values for the cell's attack, keys its models by them, and records them in the results.
 */
public final class MatrixParams {
    private final Map<MatrixSpec.PluginRef, ParamBinding.Bound> attacks = new HashMap<>();
    private final Map<MatrixSpec.PluginRef, ParamBinding.Bound> defenses = new HashMap<>();
    private final Map<MatrixSpec.PluginRef, ParamBinding.Bound> evaluators = new HashMap<>();

    private MatrixParams() {
    }

    /** Binds every attack, defense and evaluator setting of {@code spec}; the first problem is a {@link UserException}. */
    public static MatrixParams bind(MatrixSpec spec, PluginRegistry registry) {
        List<String> attackIds = new ArrayList<>(new LinkedHashSet<>(spec.attacks().stream().map(MatrixSpec.PluginRef::id).toList()));
        MatrixParams m = new MatrixParams();
        bindAll(spec, spec.attacks(), registry::attack, attackIds, m.attacks);
        bindAll(spec, spec.defenses(), registry::defense, attackIds, m.defenses);
        bindAll(spec, spec.evaluators(), registry::evaluator, attackIds, m.evaluators);
        return m;
    }

    private static void bindAll(MatrixSpec spec, List<MatrixSpec.PluginRef> refs, Function<String, ? extends Plugin> find,
                                List<String> attackIds, Map<MatrixSpec.PluginRef, ParamBinding.Bound> into) {
        for (MatrixSpec.PluginRef ref : refs) {
            Plugin p = find.apply(ref.id());
            try {
                into.put(ref, ParamBinding.bind(p.descriptor(), ref.params(), attackIds, ParamBinding.declares(p)));
            } catch (UserException e) {
                throw new UserException("matrix '" + spec.name() + "': " + e.problem(), e.fix());
            }
        }
    }

    public ParamBinding.Bound attack(MatrixSpec.PluginRef ref) {
        return get(attacks, ref);
    }

    public ParamBinding.Bound defense(MatrixSpec.PluginRef ref) {
        return get(defenses, ref);
    }

    public ParamBinding.Bound evaluator(MatrixSpec.PluginRef ref) {
        return get(evaluators, ref);
    }

    private static ParamBinding.Bound get(Map<MatrixSpec.PluginRef, ParamBinding.Bound> map, MatrixSpec.PluginRef ref) {
        ParamBinding.Bound b = map.get(ref);
        if (b == null) {
            throw new IllegalArgumentException(ref.label() + " is not a setting of this matrix");
        }
        return b;
    }

    /** Plug-ins whose parameters pass unchecked (they predate declared parameters), with what they were given. */
    public List<String> unchecked() {
        List<String> out = new ArrayList<>();
        for (Map<MatrixSpec.PluginRef, ParamBinding.Bound> m : List.of(attacks, defenses, evaluators)) {
            m.forEach((ref, b) -> {
                if (!b.declared() && !b.resolved().isEmpty()) {
                    out.add(ref.label());
                }
            });
        }
        return out.stream().sorted().toList();
    }

    /**
     * The spec's JSON with each plug-in setting's resolved parameters (defaults included) next to the
     * parameters as written: the results document's {@code config}. The config hash stays the hash of
     * the spec as written ({@link MatrixSpec#toJson}).
     */
    public JsonNode config(MatrixSpec spec) {
        ObjectNode root = spec.toJson().deepCopy();
        ObjectMapper mapper = new ObjectMapper();
        resolvedInto((ArrayNode) root.get("attacks"), spec.attacks(), attacks, mapper);
        resolvedInto((ArrayNode) root.get("defenses"), spec.defenses(), defenses, mapper);
        resolvedInto((ArrayNode) root.get("evaluators"), spec.evaluators(), evaluators, mapper);
        return root;
    }

    private static void resolvedInto(ArrayNode nodes, List<MatrixSpec.PluginRef> refs, Map<MatrixSpec.PluginRef, ParamBinding.Bound> bound,
                                     ObjectMapper mapper) {
        for (int i = 0; i < refs.size() && i < nodes.size(); i++) {
            ((ObjectNode) nodes.get(i)).set("resolvedParams", mapper.valueToTree(bound.get(refs.get(i)).resolved()));
        }
    }
}
