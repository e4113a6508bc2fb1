package org.purifybench.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.purifybench.core.UserException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Defense;
import org.purifybench.spi.EvaluationContext;
import org.purifybench.spi.Evaluator;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;

/**
 * What the runner knows of defenses' roles: it reads the descriptors' {@link Role}, never plug-in
 * ids, so a baseline or oracle from a plug-in jar is treated as the built-in one is. It completes a
 * matrix with the baselines it lacks, refuses one that lacks what an evaluator needs, and answers an
 * evaluator's {@link EvaluationContext#defensesWithRole} question.
 */
public final class Roles {
    /** The baselines the runner may add ({@link #withBaselines}), in the order it adds them. */
    static final List<Role> BASELINES = List.of(Role.BACKDOORED_BASELINE, Role.CLEAN_BASELINE);

    private Roles() {
    }

    /**
     * The role a defense's results carry: the declared one, except that a defense that asks for the
     * true trigger is always the oracle (an upper bound, never ranked), whatever it declares.
     */
    public static Role of(PluginDescriptor d) {
        return d.needs(Need.ORACLE_TRIGGER) ? Role.ORACLE : d.role();
    }

    /**
     * {@code spec} with the registered baselines it lacks, put after its own defenses (so the units it
     * lists run as they would without them). The backdoored baseline is every report's reference row:
     * it is added whenever the matrix lists none (a registry without one only logs that the row stays empty).
     * The clean baseline is added only to a matrix that lists no baseline at all: one that lists the
     * backdoored baseline alone chose to leave out the clean-model row (it costs a clean model's
     * training and every evaluator on it). Returns {@code spec} itself when nothing is added.
     */
    public static MatrixSpec withBaselines(MatrixSpec spec, PluginRegistry registry, Consumer<String> log) {
        List<MatrixSpec.PluginRef> added = new ArrayList<>();
        boolean listsABaseline = spec.defenses().stream().anyMatch(ref -> of(registry.defense(ref.id()).descriptor()).isBaseline());
        for (Role role : BASELINES) {
            boolean listed = spec.defenses().stream().anyMatch(ref -> of(registry.defense(ref.id()).descriptor()) == role);
            if (listed || (role == Role.CLEAN_BASELINE && listsABaseline)) {
                continue;
            }
            Optional<PluginDescriptor> found = registered(registry, role);
            if (found.isEmpty()) {
                // Not a reason to refuse: the defenses' own numbers do not depend on it.
                log.accept("the matrix lists no defense with role " + role + " and no registered plug-in provides one: the report has no "
                        + (role == Role.BACKDOORED_BASELINE ? "O-Backdoor numbers" : "clean-model row")
                        + " (put the built-in defenses on the class path, or list a defense with that role)");
                continue;
            }
            added.add(new MatrixSpec.PluginRef(found.get().id(), Map.of(), null));
        }
        if (added.isEmpty()) {
            return spec;
        }
        log.accept("the matrix lists no " + added.stream().map(r -> r.id()).toList() + ": added as "
                + (added.size() == 1 ? "its baseline" : "its baselines"));
        List<MatrixSpec.PluginRef> defenses = new ArrayList<>(spec.defenses());
        defenses.addAll(added);
        return new MatrixSpec(spec.name(), spec.description(), spec.dataset(), spec.splits(), spec.model(), spec.training(),
                spec.attacks(), spec.poisonRates(), spec.targetLabel(), defenses, spec.evaluators(), spec.seeds(), spec.approximations(), spec.engine());
    }

    /**
     * The matrix the runner runs: {@link #withBaselines}, then {@link #requireNeededRoles} on it (so a
     * baseline the runner adds satisfies an evaluator that needs it).
     */
    public static MatrixSpec prepare(MatrixSpec spec, PluginRegistry registry, Consumer<String> log) {
        MatrixSpec complete = withBaselines(spec, registry, log);
        requireNeededRoles(complete, registry);
        return complete;
    }

    /** The registered defense with {@code role}: a built-in one first (a jar cannot replace it unasked), else the only one. */
    public static Optional<PluginDescriptor> registered(PluginRegistry registry, Role role) {
        List<PluginDescriptor> all = registry.defenses().stream().map(Defense::descriptor).filter(d -> of(d) == role).toList();
        Optional<PluginDescriptor> builtIn = all.stream().filter(d -> registry.origin(d).builtIn()).findFirst();
        if (builtIn.isPresent() || all.size() <= 1) {
            return builtIn.or(() -> all.stream().findFirst());
        }
        throw new UserException("several registered defenses have role " + role + ": " + all.stream().map(PluginDescriptor::id).toList()
                + ", and the matrix lists none of them", "list the one to use in the matrix's defenses");
    }

    /**
     * Refuses, before any work, a matrix in which an evaluator would ask for the model of a role no
     * defense of the matrix has ({@link Evaluator#needsRoles(Params)}), naming the evaluator, the role
     * and the defenses that could fill it.
     */
    public static void requireNeededRoles(MatrixSpec spec, PluginRegistry registry) {
        for (MatrixSpec.PluginRef ref : spec.evaluators()) {
            Evaluator evaluator = registry.evaluator(ref.id());
            for (Role role : evaluator.needsRoles(ref.toParams())) {
                boolean present = spec.defenses().stream().anyMatch(d -> of(registry.defense(d.id()).descriptor()) == role);
                if (!present) {
                    List<String> candidates = registry.defenses().stream().map(Defense::descriptor).filter(d -> of(d) == role)
                            .map(PluginDescriptor::id).sorted().toList();
                    throw new UserException("evaluator '" + ref.label() + "' needs the model of a defense with role " + role
                            + ", and the matrix lists none",
                            (candidates.isEmpty() ? "add a defense with role " + role + " to the matrix's defenses"
                                    : "add " + String.join(" or ", candidates.stream().map(c -> "{id: " + c + "}").toList())
                                    + " to the matrix's defenses")
                                    + ", or change the evaluator's parameters so it does not need one (its description says how)");
                }
            }
        }
    }

    /** Each defense name of the matrix (as results name it) to its role, in matrix order. */
    public static Map<String, Role> ofDefenses(MatrixSpec spec, PluginRegistry registry) {
        Map<String, Role> roles = new LinkedHashMap<>();
        for (MatrixSpec.PluginRef ref : spec.defenses()) {
            roles.put(MatrixRunner.displayName(ref, spec.defenses()), of(registry.defense(ref.id()).descriptor()));
        }
        return roles;
    }

    /** {@code ctx} answering role questions from {@code roles} (defense name to role); everything else is ctx's. */
    public static EvaluationContext aware(EvaluationContext ctx, Map<String, Role> roles) {
        Map<String, Role> copy = Map.copyOf(roles);
        return new EvaluationContext() {
            @Override
            public List<String> defensesWithRole(Role role) {
                return ctx.defenses().stream().filter(d -> copy.get(d) == role).toList();
            }

            @Override
            public Role roleOf(String defense) {
                return copy.getOrDefault(defense, Role.PURIFIER);
            }

            @Override
            public String defenseId() {
                return ctx.defenseId();
            }

            @Override
            public String defenseName() {
                return ctx.defenseName();
            }

            @Override
            public String attackId() {
                return ctx.attackId();
            }

            @Override
            public Model purifiedModel() {
                return ctx.purifiedModel();
            }

            @Override
            public Model backdooredModel() {
                return ctx.backdooredModel();
            }

            @Override
            public Model cleanModel() {
                return ctx.cleanModel();
            }

            @Override
            public org.purifybench.spi.Backdoor backdoor() {
                return ctx.backdoor();
            }

            @Override
            public org.purifybench.spi.LabeledImages testData() {
                return ctx.testData();
            }

            @Override
            public org.purifybench.spi.LabeledImages retuningPool() {
                return ctx.retuningPool();
            }

            @Override
            public long seed() {
                return ctx.seed();
            }

            @Override
            public Params params() {
                return ctx.params();
            }

            @Override
            public org.purifybench.spi.Host host() {
                return ctx.host();
            }

            @Override
            public List<String> defenses() {
                return ctx.defenses();
            }

            @Override
            public Optional<Model> purifiedModelOf(String defense) {
                return ctx.purifiedModelOf(defense);
            }

            @Override
            public <T> T cellMemo(String key, Supplier<T> compute) {
                return ctx.cellMemo(key, compute);
            }

            @Override
            public <T> T memo(String key, Supplier<T> compute) {
                return ctx.memo(key, compute);
            }
        };
    }
}
