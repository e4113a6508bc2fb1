package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import picocli.CommandLine.Command;

@Command(name = "list", description = "List the attacks, defenses and evaluators found, with versions and needs.")
final class ListCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        PluginRegistry r = PluginRegistry.fromClasspath();
        System.out.printf("%-10s %-10s %-8s %-22s %s%n", "KIND", "ID", "VERSION", "SOURCE", "DESCRIPTION [needs]");
        for (Plugin p : r.all()) {
            PluginDescriptor d = p.descriptor();
            System.out.printf("%-10s %-10s %-8s %-22s %s %s%n", d.kind().name().toLowerCase(), d.id(), d.version(),
                    r.source(d), d.description(), d.needs().isEmpty() ? "" : d.needs().toString());
        }
        return 0;
    }
}
