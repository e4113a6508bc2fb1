package org.purifybench.defenses;

import java.util.List;
import java.util.Set;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.PurifyBenchPlugin;
import org.purifybench.spi.Role;

/**
 * The control: a model trained on the clean training set with the backdoored model's recipe.
 * It shows what RA does to a model that never had a backdoor.
 */
@PurifyBenchPlugin(kind = Kind.DEFENSE, id = "clean", version = "1.0.0",
        description = "Reference: a model trained on clean data only (the control)",
        needs = {Need.CLEAN_REFERENCE_MODEL},
        role = Role.CLEAN_BASELINE)
public final class CleanModel implements Defense {
    @Override
    public Model purify(DefenseContext ctx) {
        return ctx.cleanModel().orElseThrow(() -> new IllegalStateException("host gave no clean model"));
    }
}
