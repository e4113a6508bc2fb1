package org.purifybench.defenses;

import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;

/** The reference "defense" that changes nothing: its rows are the backdoored model's (O-Backdoor). */
public final class NoDefense implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.of(Kind.DEFENSE, "none", "1.0.0", "Reference: the backdoored model, unchanged", "");
    }

    @Override
    public Model purify(DefenseContext ctx) {
        return ctx.backdooredModel();
    }
}
