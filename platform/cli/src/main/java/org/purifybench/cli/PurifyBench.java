package org.purifybench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.purifybench.core.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code purifybench} command: demo, run, list, admit, verify, report, bench, data; serve and
 * leaderboard are listed here but started by the launcher script (the website is its own application).
 */
// scope INHERIT gives every subcommand -h/--help and -V/--version
@Command(name = "purifybench", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = PurifyBench.Version.class,
        description = "Benchmark of backdoor defenses: is the purification real, or superficial?",
        subcommands = {DemoCommand.class, RunCommand.class, ListCommand.class, AdmitCommand.class, VerifyCommand.class, ReportCommand.class,
                BenchCommand.class, PlanCommand.class, DataCommand.class, WeightsCommand.class, RunUnitCommand.class, StatusCommand.class, MergeCommand.class, SlurmCommand.class,
                PurifyBench.Serve.class, PurifyBench.Leaderboard.class})
public final class PurifyBench {

    @Option(names = "--work-dir", description = "Folder for the model cache and runs (default: ${DEFAULT-VALUE}).",
            defaultValue = "work", scope = CommandLine.ScopeType.INHERIT)
    Path workDir;

    /** Sets the property the loaders read ({@link org.purifybench.core.data.DataDir}), so every command sees it. */
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder with one subfolder per dataset (default: $"
            + org.purifybench.core.data.DataDir.ENV + ", else ~/.purifybench/data).", scope = CommandLine.ScopeType.INHERIT)
    void dataDir(Path dir) {
        System.setProperty(org.purifybench.core.data.DataDir.PROPERTY, dir.toAbsolutePath().toString());
    }

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

    /** Listed so that --help shows it; the ./purifybench launcher runs the website instead of this. */
    @Command(name = "serve", description = "Start the leaderboard website with the demo's results (runs the demo first if"
            + " ./work/runs has none); ./purifybench serve --help for its options.")
    static final class Serve extends LauncherOnly {
        Serve() {
            super("serve");
        }
    }

    /** Listed so that --help shows it; the ./purifybench launcher runs the website's tool instead of this. */
    @Command(name = "leaderboard", description = "The leaderboard's database without a server: import, publish, delete;"
            + " ./purifybench leaderboard --help for more.")
    static final class Leaderboard extends LauncherOnly {
        Leaderboard() {
            super("leaderboard");
        }
    }

    /** A command the launcher handles itself (it starts the website's own tool); this JVM only lists it. */
    abstract static class LauncherOnly implements java.util.concurrent.Callable<Integer> {
        private final String command;
        @CommandLine.Unmatched
        java.util.List<String> args;

        LauncherOnly(String command) {
            this.command = command;
        }

        @Override
        public Integer call() {
            throw launcherOnly(command);
        }
    }

    private static UserException launcherOnly(String command) {
        return new UserException(command + " belongs to the leaderboard website, a separate application",
                "run it through the launcher at the repository root: ./purifybench " + command);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"purifybench " + org.purifybench.core.fingerprint.CodeVersion.get()
                    + " (SPI " + org.purifybench.spi.SpiVersion.CURRENT + ")"};
        }
    }
}
