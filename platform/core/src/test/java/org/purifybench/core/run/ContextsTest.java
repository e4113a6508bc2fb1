package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.SdModel;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.ImageShape;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;

class ContextsTest {
    private static final PluginDescriptor D = PluginDescriptor.of(Kind.DEFENSE, "probe", "1.0.0", "probe", "none");

    @Test
    void diagnosticsReachTheirSinkAndBadNamesAreRefused() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 8, 8), 3, 2), 1);
        Map<String, Double> sink = new LinkedHashMap<>();
        DefenseContext ctx = Contexts.defense(D, new Contexts.DefenseInputs(m, null, null, null, () -> null), 1, Params.empty(),
                DefaultHost.quiet(), sink::put);
        ctx.diagnostic("inverted-target", 3);
        ctx.diagnostic("rho", 0.5);
        assertEquals(Map.of("inverted-target", 3.0, "rho", 0.5), sink);
        for (String bad : new String[] {"Rho", "two words", "-x", "x-", "", "x.y"}) {
            assertThrows(IllegalArgumentException.class, () -> ctx.diagnostic(bad, 1), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> ctx.diagnostic(null, 1));
        // Without a sink (the short form) diagnostics are accepted and dropped.
        Contexts.defense(D, new Contexts.DefenseInputs(m, null, null, null, () -> null), 1, Params.empty(), DefaultHost.quiet())
                .diagnostic("rho", 0.5);
    }
}
