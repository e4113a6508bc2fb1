package org.purifybench.defenses;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/** The reference "defense" that changes nothing: its rows are the backdoored model's (O-Backdoor). */
public final class NoDefense implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(Kind.DEFENSE, "none", "1.0.0", "Reference: the backdoored model, unchanged", "", Set.of(),
                SpiVersion.CURRENT, Role.BACKDOORED_BASELINE, List.of(), Set.of(), List.of());
    }

    @Override
    public Model purify(DefenseContext ctx) {
        return ctx.backdooredModel();
    }
}
