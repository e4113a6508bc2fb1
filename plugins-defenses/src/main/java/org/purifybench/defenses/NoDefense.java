package org.purifybench.defenses;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;

/** The reference "defense" that changes nothing: its rows are the backdoored model's (O-Backdoor). */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "none", version = "1.0.0",
        description = "Reference: the backdoored model, unchanged",
        role = Role.BACKDOORED_BASELINE)
public final class NoDefense implements Defense {
    @Override
    public Model purify(DefenseContext ctx) {
        return ctx.backdooredModel();
    }
}
