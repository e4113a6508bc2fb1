package org.purifybench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.purifybench.core.UserException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code purifybench} command: demo, run, list, admit, verify, report, bench. */
@Command(name = "purifybench", mixinStandardHelpOptions = true, versionProvider = PurifyBench.Version.class,
        description = "Benchmark of backdoor defenses: is the purification real, or superficial?",
        subcommands = {DemoCommand.class, RunCommand.class, ListCommand.class, AdmitCommand.class, VerifyCommand.class, ReportCommand.class,
                BenchCommand.class})
public final class PurifyBench {

    @Option(names = "--work-dir", description = "Folder for the model cache and runs (default: ${DEFAULT-VALUE}).",
            defaultValue = "work", scope = CommandLine.ScopeType.INHERIT)
    Path workDir;

    @Option(names = "--debug", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = new CommandLine(new PurifyBench());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean debug = parsed.matchedOption("--debug") != null
                    || parsed.subcommands().stream().anyMatch(s -> s.matchedOption("--debug") != null);
            PrintWriter err = cmd.getErr();
            if (ex instanceof UserException u) {
                err.println("error: " + u.oneLine());
            } else {
                err.println("error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                        + (debug ? "" : " (run with --debug for the stack trace)"));
            }
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"purifybench " + org.purifybench.core.run.CodeVersion.get()
                    + " (SPI " + org.purifybench.spi.SpiVersion.CURRENT + ")"};
        }
    }
}
