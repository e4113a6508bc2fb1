package org.purifybench.defenses;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.Role;
import org.purifybench.spi.SpiVersion;

/**
 * The control: a model trained on the clean training set with the backdoored model's recipe.
 * It shows what RA does to a model that never had a backdoor.
 */
public final class CleanModel implements Defense {
    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(Kind.DEFENSE, "clean", "1.0.0",
                "Reference: a model trained on clean data only (the control)", "", Set.of(Need.CLEAN_REFERENCE_MODEL),
                SpiVersion.CURRENT, Role.CLEAN_BASELINE, List.of(), Set.of(), List.of());
    }

    @Override
    public Model purify(DefenseContext ctx) {
        return ctx.cleanModel().orElseThrow(() -> new IllegalStateException("host gave no clean model"));
    }
}
