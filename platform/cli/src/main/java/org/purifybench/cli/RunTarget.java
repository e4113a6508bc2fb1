package org.purifybench.cli;

import java.nio.file.Path;
import org.purifybench.core.UserException;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.core.run.RunManifest;
import picocli.CommandLine.Option;

/** Which run a command works on: a matrix file, a built-in profile, or the id of a run already planned in the work folder (a picocli mixin). */
final class RunTarget {
    @Option(names = "--matrix", paramLabel = "FILE", description = "Matrix spec YAML file.")
    Path matrix;

    @Option(names = "--profile", paramLabel = "NAME", description = "Built-in profile: quick, standard, rates, rho-sweep, or a profile of"
            + " record: paper-cifar10-r18, paper-cifar10-r18-rates, paper-cifar10-r50, paper-cifar10-d161, paper-cifar100, paper-tiny,"
            + " paper-rho (docs/profiles.md).")
    String profile;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "A run planned in the work folder (its matrix is the run folder's matrix.json).")
    String run;

    MatrixSpec spec(Path workDir) {
        int given = (matrix == null ? 0 : 1) + (profile == null ? 0 : 1) + (run == null ? 0 : 1);
        if (given != 1) {
            throw new UserException("give exactly one of --matrix FILE, --profile NAME or --run RUN_ID", "e.g. --profile quick");
        }
        if (run != null) {
            return RunManifest.load(workDir, run);
        }
        return matrix != null ? MatrixSpec.load(matrix) : MatrixSpec.profile(profile);
    }
}
