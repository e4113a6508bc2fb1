package org.purifybench.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.params.ParamBinding;
import org.purifybench.core.plugin.DescriptorFile;
import org.purifybench.core.plugin.PluginJarException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.ParamSpec;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", description = "List the attacks, defenses and evaluators found, with versions, needs and where they come from;"
        + " and the plug-in jars that were refused, with the reason. A plug-in jar's entries are what its descriptor file declares:"
        + " none of its classes is loaded.")
final class ListCommand implements Callable<Integer> {
    @Mixin
    PluginOptions plugins;

    @Option(names = "--params", paramLabel = "ID",
            description = "Print the parameters plug-in ID declares (name, type, default, range or choices, whether it can be set per"
                    + " attack, description, source) instead of the list.")
    String paramsOf;

    @Override
    public Integer call() {
        PluginRegistry r = plugins.registry();
        if (paramsOf != null) {
            return params(r, paramsOf, System.out);
        }
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

    /** {@code list --params ID}: the parameter table of every plug-in with that id (an attack and a defense may share one). */
    static int params(PluginRegistry r, String id, PrintStream out) {
        List<Plugin> found = r.all().stream().filter(p -> p.descriptor().id().equals(id)).toList();
        if (found.isEmpty()) {
            List<String> ids = r.all().stream().map(p -> p.descriptor().id()).distinct().sorted().toList();
            String near = ParamBinding.nearest(id, ids).map(n -> " (did you mean '" + n + "'?)").orElse("");
            throw new UserException("no plug-in has the id '" + id + "'" + near, "purifybench list shows every plug-in's id");
        }
        for (Plugin p : found) {
            out.print(paramTable(p.descriptor(), r.origin(p.descriptor()).toString(), ParamBinding.declares(p)));
        }
        return 0;
    }

    /** The parameters of {@code d}, one row each with its description and source below it. */
    static String paramTable(PluginDescriptor d, String origin, boolean declared) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s %s %s (%s)%n", d.kind().name().toLowerCase(Locale.ROOT), d.id(),
                DescriptorFile.shown(d.version()), origin));
        if (d.params().isEmpty()) {
            sb.append(declared ? "  takes no parameters\n"
                    : "  declares no parameters (it predates @PurifyBenchPlugin): the matrix's parameters reach it unchecked\n");
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "  %-18s %-11s %-10s %-22s %s%n", "NAME", "TYPE", "DEFAULT", "RANGE / CHOICES", "PER ATTACK"));
        for (ParamSpec p : d.params()) {
            String range = ParamBinding.range(p);
            String choices = String.join(", ", p.choices().stream().map(DescriptorFile::shown).toList());
            String rangeOrChoices = range.isEmpty() ? choices : choices.isEmpty() ? range : range + " or " + choices;
            sb.append(String.format(Locale.ROOT, "  %-18s %-11s %-10s %-22s %s%n", p.name(), p.type().name().toLowerCase(Locale.ROOT),
                    DescriptorFile.shown(p.defaultValue()), rangeOrChoices.isEmpty() ? "-" : rangeOrChoices, p.perAttack() ? "yes" : "no"));
            if (!p.description().isBlank()) {
                sb.append("      ").append(DescriptorFile.shown(p.description())).append('\n');
            }
            if (!p.source().isBlank()) {
                sb.append("      source: ").append(DescriptorFile.shown(p.source())).append('\n');
            }
        }
        return sb.toString();
    }
}
