package org.purifybench.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.purifybench.core.UserException;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.results.ReportWriter;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.MatrixSpec;

/** What demo and run share: run a spec, write the report, print the tables. */
final class RunSupport {
    private RunSupport() {
    }

    static Path checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (Exception e) {
            throw new UserException("cannot create the work folder " + dir + " (" + e.getMessage() + ")",
                    "pass a writable folder with --work-dir DIR");
        }
        if (!Files.isWritable(dir)) {
            throw new UserException("the work folder " + dir + " is not writable", "pass a writable folder with --work-dir DIR");
        }
        return dir;
    }

    static int runAndReport(MatrixSpec spec, PluginRegistry plugins, Path workDir, RunOptions options, PrintStream out) {
        checkWritable(workDir);
        DefaultHost host = new DefaultHost(!options.quiet, System.err);
        MatrixRunner runner = new MatrixRunner(plugins, host, workDir).parallelCells(options.parallelCells);
        out.println("purifybench: running profile '" + spec.name() + "' (run " + MatrixRunner.runId(spec) + ")");
        if (options.parallelCells > 1) {
            out.println("  " + options.parallelCells + " cells at a time");
        }
        spec.approximationsOrEmpty().forEach(a -> out.println("  approximation: " + a));
        MatrixRunner.Outcome o = runner.run(spec, options.fresh);
        List<Path> report = ReportWriter.write(o.document(), o.runDir());
        out.println();
        out.println(ReportWriter.markdown(o.document()));
        out.println("results: " + o.resultsFile());
        report.forEach(p -> out.println("report:  " + p));
        out.printf("units computed: %d, reused from an earlier (interrupted) run: %d, wall time %.0f s%n",
                o.unitsComputed(), o.unitsReused(), o.document().getProvenance().wallTimeSeconds());
        return 0;
    }
}
