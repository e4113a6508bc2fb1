package org.purifybench.cli;

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

    @Mixin
    RunTarget target;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED[,SEED...]",
            description = "Run only these seeds instead of the matrix's (recorded in the report's approximations).")
    java.util.List<Long> seeds;

    @Option(names = "--defenses", split = ",", paramLabel = "ID[,ID...]",
            description = "Run only these defenses (default parameters) instead of the matrix's; the run adds the"
                    + " backdoored baseline when it is not listed (and the clean one when no baseline is). Recorded in the report's approximations."
                    + " The website runs a submission as --defenses ID.")
    java.util.List<String> defenses;

    @Option(names = "--description", paramLabel = "TEXT",
            description = "Replace the matrix's description. It is part of the configuration, so it changes the config hash"
                    + " and the run id: the website names the submission and its jar's SHA-256 here, so two jars with the"
                    + " same plug-in id never share a run folder or journal.")
    String description;

    @Option(names = "--attacks", split = ",", paramLabel = "ID[,ID...]",
            description = "Run only these of the matrix's attacks (recorded in the report's approximations).")
    java.util.List<String> attacks;

    @Option(names = "--reduced", description = "A reduced run of a profile of record: training and every plug-in's epochs capped at"
            + " --reduced-epochs, and data accepted whatever its checksums (e.g. a stand-in from `data stand-in`); recorded in the report's approximations.")
    boolean reduced;

    @Option(names = "--reduced-epochs", paramLabel = "N", defaultValue = "2", description = "The epoch cap of a --reduced run (default: ${DEFAULT-VALUE}).")
    int reducedEpochs;

    @Mixin
    RunOptions options;

    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() {
        MatrixSpec spec = target.spec(root.workDir);
        if (seeds != null) {
            spec = spec.withSeeds(seeds);
        }
        if (defenses != null) {
            spec = withDefenses(spec, defenses);
        }
        if (attacks != null) {
            spec = spec.withAttacks(attacks);
        }
        // a refused plug-in jar stops the run before any work, naming the jar (purifybench list shows them all)
        PluginRegistry registry = plugins.registry().requireNoRefused();
        if (reduced) {
            spec = org.purifybench.core.run.ReducedRun.of(spec, registry, reducedEpochs);
        }
        if (description != null) {
            spec = new MatrixSpec(spec.name(), description, spec.dataset(), spec.splits(), spec.model(), spec.training(),
                    spec.attacks(), spec.poisonRates(), spec.targetLabel(), spec.defenses(), spec.evaluators(), spec.seeds(),
                    spec.approximations(), spec.engine());
        }
        return RunSupport.runAndReport(spec, registry, root.workDir, options, System.out);
    }

    /** The matrix with only {@code ids} as its defenses (a profile's parameters are kept for ids it names). */
    static MatrixSpec withDefenses(MatrixSpec spec, java.util.List<String> ids) {
        if (ids.isEmpty()) {
            throw new UserException("--defenses names no defense", "e.g. --defenses my-defense (the baselines are added)");
        }
        if (new java.util.HashSet<>(ids).size() != ids.size()) {
            throw new UserException("--defenses names a defense twice: " + ids, "name each defense once");
        }
        java.util.List<MatrixSpec.PluginRef> refs = new java.util.ArrayList<>();
        for (String id : ids) {
            refs.add(spec.defenses().stream().filter(d -> d.id().equals(id)).findFirst()
                    .orElse(new MatrixSpec.PluginRef(id, java.util.Map.of(), null)));
        }
        java.util.List<String> was = spec.defenses().stream().map(MatrixSpec.PluginRef::label).toList();
        java.util.List<String> now = refs.stream().map(MatrixSpec.PluginRef::label).toList();
        if (now.equals(was)) {
            return spec;
        }
        java.util.List<String> approx = new java.util.ArrayList<>(spec.approximationsOrEmpty());
        approx.add("defenses " + now + " chosen on the command line (" + spec.name() + " profile: " + was + ")");
        return new MatrixSpec(spec.name(), spec.description(), spec.dataset(), spec.splits(), spec.model(), spec.training(),
                spec.attacks(), spec.poisonRates(), spec.targetLabel(), refs, spec.evaluators(), spec.seeds(), approx, spec.engine());
    }
}
