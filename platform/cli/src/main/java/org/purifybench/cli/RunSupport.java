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
import org.purifybench.core.run.RunLog;

/** What demo and run share: run a spec, write the report, print the tables. */
final class RunSupport {
    private RunSupport() {
    }

    /**
     * A runner over {@code workDir} with the plug-ins {@code plugins} gives (a refused jar stops the
     * command, naming it); its host logs to stderr, with progress bars only when {@code progress}.
     */
    static MatrixRunner runner(PluginOptions plugins, Path workDir, boolean progress) {
        return new MatrixRunner(plugins.registry().requireNoRefused(), new DefaultHost(progress, System.err), workDir);
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

    /**
     * Runs {@code spec} and writes its report, also when units failed (then the run still ends with
     * its error, a non-zero exit). What this prints and what the host logs also goes to the run
     * folder's run.log, the error line included.
     */
    static int runAndReport(MatrixSpec asGiven, PluginRegistry plugins, Path workDir, RunOptions options, PrintStream out) {
        checkWritable(workDir);
        MatrixSpec spec = options.engine.apply(asGiven);
        try (RunLog runLog = RunLog.open(MatrixRunner.runDir(workDir, spec), "run " + MatrixRunner.runId(spec)
                + (options.fresh ? " --fresh" : "") + (options.parallelCells > 1 ? " --parallel-cells " + options.parallelCells : ""))) {
            PrintStream console = runLog.tee(out);
            Thread notice = resumeNotice(MatrixRunner.runId(spec), System.err);
            try {
                return runAndReport(spec, plugins, workDir, options, console, runLog.tee(System.err));
            } catch (MatrixRunner.UnitsFailedException e) {
                report(e.outcome(), console);
                runLog.line("error: " + e.oneLine());
                throw e;
            } catch (UserException e) {
                runLog.line("error: " + e.oneLine());
                throw e;
            } catch (RuntimeException | Error e) {
                runLog.line("error: " + e);
                for (StackTraceElement frame : e.getStackTrace()) {
                    runLog.line("  at " + frame);
                }
                throw e;
            } finally {
                dropResumeNotice(notice);
                console.flush();
            }
        }
    }

    /** Ctrl-C or a kill during a run ends it without a word otherwise; the finished units are kept. */
    static Thread resumeNotice(String runId, PrintStream err) {
        Thread notice = new Thread(() -> {
            err.println(interruptedMessage(runId));
            err.flush();
        }, "purifybench-resume-notice");
        Runtime.getRuntime().addShutdownHook(notice);
        return notice;
    }

    static void dropResumeNotice(Thread notice) {
        try {
            Runtime.getRuntime().removeShutdownHook(notice);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting: the notice is running or has run
        }
    }

    static String interruptedMessage(String runId) {
        return "purifybench: run " + runId + " interrupted; its finished units are kept - run the same command again to resume it"
                + " (--fresh starts over)";
    }

    private static int runAndReport(MatrixSpec spec, PluginRegistry plugins, Path workDir, RunOptions options, PrintStream out,
                                    PrintStream log) {
        DefaultHost host = new DefaultHost(!options.quiet, log);
        MatrixRunner runner = new MatrixRunner(plugins, host, workDir).parallelCells(options.parallelCells);
        out.println("purifybench: running profile '" + spec.name() + "' (run " + MatrixRunner.runId(spec) + ")");
        if (spec.engine() != null) {
            out.println("  engine: " + spec.engine().id() + " on " + spec.engine().device());
        }
        if (options.parallelCells > 1) {
            out.println("  " + options.parallelCells + " cells at a time");
        }
        spec.approximationsOrEmpty().forEach(a -> out.println("  approximation: " + a));
        report(runner.run(spec, options.fresh), out);
        return 0;
    }

    static void report(MatrixRunner.Outcome o, PrintStream out) {
        report(o, out, false);
    }

    /** Writes the report and prints the table and where things are; {@code merged}: the outcome of merging a run's tasks. */
    static void report(MatrixRunner.Outcome o, PrintStream out, boolean merged) {
        List<Path> report = ReportWriter.write(o.document(), o.runDir());
        out.println();
        out.println(ReportWriter.markdown(o.document()));
        out.println("results: " + o.resultsFile());
        report.forEach(p -> out.println("report:  " + p));
        if (Files.exists(o.runDir().resolve(RunLog.FILE))) {
            out.println("log:     " + o.runDir().resolve(RunLog.FILE));
        }
        if (merged) {
            out.printf("units merged from the tasks' journal shards: %d, compute time of the tasks summed: %.0f s%n",
                    o.unitsReused(), o.document().getProvenance().wallTimeSeconds());
        } else {
            out.printf("units computed: %d, reused from an earlier (interrupted) run: %d, failures recorded: %d, wall time %.0f s%n",
                    o.unitsComputed(), o.unitsReused(), o.document().getFailures().size(), o.document().getProvenance().wallTimeSeconds());
        }
    }
}
