package org.purifybench.tck.layering;

import org.purifybench.core.host.DefaultHost;
import org.purifybench.spi.Host;

/** A plug-in class that reaches into the core: PluginRules must reject it. */
final class CoreUsingPlugin {
    Host host() {
        return DefaultHost.quiet();
    }
}
