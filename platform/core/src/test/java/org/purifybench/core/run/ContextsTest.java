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
import org.purifybench.toolkit.KeyedMemo;

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

    @Test
    void defensesOfACellShareItsMemoAndOtherCellsDoNot() {
        SdModel m = SdModel.create(ModelSpec.of(ModelSpec.CNN_SMALL, new ImageShape(1, 8, 8), 3, 2), 1);
        var inputs = new Contexts.DefenseInputs(m, null, null, null, () -> null);
        KeyedMemo<String, Object> cell = new KeyedMemo<>();
        int[] computed = {0};
        java.util.function.Supplier<Object> compute = () -> "inversion " + ++computed[0];
        DefenseContext pam = Contexts.defense(D, inputs, 1, Params.empty(), DefaultHost.quiet(), (n, v) -> { }, cell);
        DefenseContext btiSam = Contexts.recording(Contexts.defense(D, inputs, 1, Params.empty(), DefaultHost.quiet(), (n, v) -> { }, cell),
                java.util.concurrent.ConcurrentHashMap.newKeySet());
        assertEquals("inversion 1", pam.cellMemo("k", compute));
        assertEquals("inversion 1", btiSam.cellMemo("k", compute), "same cell, same key: shared (through the recording wrapper too)");
        DefenseContext otherCell = Contexts.defense(D, inputs, 1, Params.empty(), DefaultHost.quiet(), (n, v) -> { }, new KeyedMemo<>());
        assertEquals("inversion 2", otherCell.cellMemo("k", compute));
        assertEquals(2, computed[0]);
    }
}
