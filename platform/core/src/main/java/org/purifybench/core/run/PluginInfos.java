package org.purifybench.core.run;

import org.purifybench.core.results.PluginInfo;
import org.purifybench.spi.Kind;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;

/** The results' record of a plug-in: its role (defenses) and declared metrics (evaluators) from its descriptor. */
final class PluginInfos {
    private PluginInfos() {
    }

    static PluginInfo of(PluginDescriptor d, String source, String sha256, String description, String paper) {
        boolean defense = d.kind() == Kind.DEFENSE;
        Role role = defense ? Roles.of(d) : null;
        return new PluginInfo(d.kind().name().toLowerCase(), d.id(), d.version(), source, sha256, role == Role.ORACLE,
                role != null && role.isBaseline(), description, paper, role == null ? null : role.name(),
                d.kind() == Kind.EVALUATOR && !d.metrics().isEmpty() ? d.metrics() : null);
    }
}
