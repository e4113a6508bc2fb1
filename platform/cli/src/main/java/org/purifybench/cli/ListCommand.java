package org.purifybench.cli;

import java.util.concurrent.Callable;
import org.purifybench.core.plugin.DescriptorFile;
import org.purifybench.core.plugin.PluginJarException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", description = "List the attacks, defenses and evaluators found, with versions, needs and where they come from;"
        + " and the plug-in jars that were refused, with the reason. A plug-in jar's entries are what its descriptor file declares:"
        + " none of its classes is loaded.")
final class ListCommand implements Callable<Integer> {
    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() {
        PluginRegistry r = plugins.registry();
        System.out.printf("%-10s %-12s %-8s %-22s %s%n", "KIND", "ID", "VERSION", "SOURCE", "DESCRIPTION [needs]");
        for (Plugin p : r.all()) {
            PluginDescriptor d = p.descriptor();
            // a jar's version and description are its author's text: escaped and cut as admit shows them
            System.out.printf("%-10s %-12s %-8s %-22s %s %s%n", d.kind().name().toLowerCase(), d.id(), DescriptorFile.shown(d.version()),
                    r.origin(d), DescriptorFile.shown(d.description()),
                    d.needs().isEmpty() ? "" : new java.util.TreeSet<>(d.needs()).toString()); // enum order: stable output
        }
        if (r.refused().isEmpty()) {
            return 0;
        }
        System.out.println();
        System.out.println("REFUSED plug-in jars (nothing of them is loaded; run refuses to start while they are given):");
        for (PluginJarException e : r.refused()) {
            System.out.println("  " + e.jar() + ": " + e.reason() + " - " + e.fix());
        }
        System.err.println("error: " + r.refused().size() + " plug-in jar(s) refused (listed above)");
        return 1;
    }
}
