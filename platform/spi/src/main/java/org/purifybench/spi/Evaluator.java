package org.purifybench.spi;

import java.util.Set;

/** Measures a purified model. */
public interface Evaluator extends Plugin {
    EvaluationResult evaluate(EvaluationContext context);

    /**
     * The roles whose models this evaluator will ask for when run with {@code params}; the host
     * refuses a matrix without a defense of each before any training. Defaults to the declared
     * {@link PluginDescriptor#needsRoles()}; override when a parameter decides (e.g. a reference
     * model that may be the oracle or the clean model).
     */
    default Set<Role> needsRoles(Params params) {
        return descriptor().needsRoles();
    }
}
