package org.purifybench.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.purifybench.core.UserException;
import org.purifybench.core.plugin.PluginRegistry;
import picocli.CommandLine.Option;

/** Which plug-in jars to load besides the built-in plug-ins (a picocli mixin for run and list). */
final class PluginOptions {
    static final Path DEFAULT_SUBMISSIONS = Path.of("submissions");

    @Option(names = "--plugin", paramLabel = "JAR",
            description = "Load this plug-in jar too (repeatable). It is checked first and gets its own class loader.")
    List<Path> plugins = new ArrayList<>();

    @Option(names = "--submissions", paramLabel = "DIR",
            description = "Load every *.jar in this folder as a plug-in (default: ./submissions, when it exists).")
    Path submissions;

    /** The jars to load: the --plugin ones in the order given, then the submissions folder's *.jar by name. */
    List<Path> jars() {
        List<Path> jars = new ArrayList<>(plugins);
        Path dir = submissions != null ? submissions : DEFAULT_SUBMISSIONS;
        if (!Files.isDirectory(dir)) {
            if (submissions != null) {
                throw new UserException("the submissions folder " + dir + " does not exist", "give an existing folder with --submissions DIR");
            }
            return jars;
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.jar")) {
            s.forEach(found::add);
        } catch (IOException e) {
            throw new UserException("cannot list the submissions folder " + dir + " (" + e.getMessage() + ")", "check its permissions");
        }
        found.sort(null);
        jars.addAll(found);
        return jars;
    }

    /** These options again, with absolute paths: for a command another process runs (a cluster's task) to load the same plug-ins. */
    List<String> asArgs() {
        List<String> args = new ArrayList<>();
        plugins.forEach(p -> args.addAll(List.of("--plugin", p.toAbsolutePath().normalize().toString())));
        if (submissions != null) {
            args.addAll(List.of("--submissions", submissions.toAbsolutePath().normalize().toString()));
        }
        return args;
    }

    /** Built-in plug-ins plus the jars; refused jars are kept in the registry's refused() list. */
    PluginRegistry registry() {
        return PluginRegistry.fromClasspath(jars());
    }
}
