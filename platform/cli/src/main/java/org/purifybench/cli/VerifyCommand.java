package org.purifybench.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.purifybench.core.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify", description = {
        "Regression check of a plug-in jar's defense: the conformance kit, then a small fixed matrix (the defense against none on"
                + " synthetic data) compared with the golden results stored with the plug-in. The defense runs in the sandbox, as in a"
                + " real run. Prints a pass/fail table; exit code 0 only when everything passes (usable in CI)."})
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Parameters(paramLabel = "JAR", description = "The plug-in jar.")
    Path jar;

    @Option(names = "--golden", paramLabel = "FILE",
            description = "Golden results to compare with (default: the jar's META-INF/purifybench/golden.json).")
    Path golden;

    @Option(names = "--write-golden", paramLabel = "FILE",
            description = "Run the kit and the matrix and write their metrics as golden results to FILE instead of comparing.")
    Path writeGolden;

    @Option(names = "--defense", paramLabel = "ID", description = "The defense to verify, when the jar has several.")
    String defense;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "A parameter of the defense (repeatable), with --write-golden only: verify uses the golden results' parameters.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "With --write-golden: the matrix's dataset, synthetic (default; generated, no files) or fashion-mnist"
                    + " (needs the Debian package dataset-fashion-mnist). verify uses the golden results' dataset.")
    String dataset;

    @Option(names = "--tolerance", paramLabel = "X",
            description = "Absolute tolerance for every metric, instead of the golden file's (0 demands identical numbers);"
                    + " with --write-golden, the tolerance written into the file (default 0.02 on synthetic data, 0.05 on Fashion-MNIST).")
    Double tolerance;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @picocli.CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Override
    public Integer call() {
        if (golden != null && writeGolden != null) {
            throw new UserException("give --golden FILE or --write-golden FILE, not both", "compare with one, or write the other");
        }
        if (tolerance != null && !(tolerance >= 0 && tolerance <= 1)) {
            throw new UserException("--tolerance " + tolerance + " is not in [0,1]", "give an absolute tolerance on rates, e.g. --tolerance 0.02");
        }
        Map<String, Object> typed = new LinkedHashMap<>();
        params.forEach((k, v) -> typed.put(k, typed(v)));
        return new Verification(new Verification.Request(jar, defense, golden, writeGolden, typed, dataset, tolerance,
                root.workDir, quiet, engine), System.out).run();
    }

    /** A number or boolean given on the command line as one (so the golden file and the matrix config read naturally). */
    static Object typed(String v) {
        if (v.matches("-?[0-9]{1,9}")) {
            return Integer.parseInt(v);
        }
        if (v.matches("-?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return Double.parseDouble(v);
        }
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        return v;
    }
}
