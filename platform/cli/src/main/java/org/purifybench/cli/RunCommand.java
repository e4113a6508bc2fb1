package org.purifybench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.run.MatrixSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Run a matrix spec (a YAML file or a built-in profile); resumes an interrupted run.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Option(names = "--matrix", paramLabel = "FILE", description = "Matrix spec YAML file.")
    Path matrix;

    @Option(names = "--profile", paramLabel = "NAME", description = "Built-in profile: quick, standard or rho-sweep.")
    String profile;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED[,SEED...]",
            description = "Run only these seeds instead of the matrix's (recorded in the report's approximations).")
    java.util.List<Long> seeds;

    @Mixin
    RunOptions options;

    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() {
        if ((matrix == null) == (profile == null)) {
            throw new UserException("give exactly one of --matrix FILE or --profile NAME", "e.g. purifybench run --profile quick");
        }
        MatrixSpec spec = matrix != null ? MatrixSpec.load(matrix) : MatrixSpec.profile(profile);
        if (seeds != null) {
            spec = spec.withSeeds(seeds);
        }
        // a refused plug-in jar stops the run before any work, naming the jar (purifybench list shows them all)
        PluginRegistry registry = plugins.registry().requireNoRefused();
        return RunSupport.runAndReport(spec, registry, root.workDir, options.fresh, options.quiet, System.out);
    }
}
