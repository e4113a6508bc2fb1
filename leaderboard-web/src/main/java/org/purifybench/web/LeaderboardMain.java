package org.purifybench.web;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.BeanInstantiationException;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.importing.ImportOutcome;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.importing.RunAdministration;
import org.purifybench.web.store.H2FileDatabase;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Entry point of the leaderboard: {@code serve} runs the website, {@code import}, {@code publish}
 * and {@code delete} change the database without a server (the launcher calls these as
 * {@code purifybench serve} and {@code purifybench leaderboard ...}).
 */
// scope INHERIT gives every subcommand -h/--help
@Command(name = "leaderboard", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        subcommands = {LeaderboardMain.Serve.class, LeaderboardMain.Import.class, LeaderboardMain.Publish.class,
                LeaderboardMain.Delete.class},
        description = "The PurifyBench leaderboard website and its database.")
public final class LeaderboardMain {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new LeaderboardMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + explain(e, cmd.getCommandName()));
            return 2;
        });
        int code = cli.execute(args);
        if (code != 0 || !"serve".equals(args.length > 0 ? args[0] : "")) {
            System.exit(code);
        }
    }

    /** The one failure a user causes often enough to deserve its own words: a server holds the database. */
    static String explain(Throwable e, String command) {
        if (!H2FileDatabase.heldByAnotherProcess(e)) {
            return e.getMessage();
        }
        String held = "the leaderboard database is in use by a running server (an H2 file database opens in one process at a"
                + " time) - ";
        if (command.equals("serve")) {
            return held + "stop that server first, or give this one another database (PURIFYBENCH_DB_URL)";
        }
        return held + "while the server runs, use its admin page (/admin) or admin API (POST /api/admin/runs, POST"
                + " /api/admin/runs/ID/publish, DELETE /api/admin/runs/ID; docs/leaderboard.md), or stop the server first";
    }

    @Command(name = "serve", description = {"Start the website (H2 file database by default) and import the given results first.",
            "./purifybench serve runs the demo first if ./work/runs has none, and imports its results."})
    static final class Serve implements Callable<Integer> {
        @Option(names = "--port", description = "HTTP port (default 8080)") Integer port;
        @Option(names = "--import", paramLabel = "RESULTS_JSON", description = "results.json to import and publish at start")
        List<Path> imports = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> props = new ArrayList<>();
            if (port != null) {
                props.add("-micronaut.server.port=" + port);
            }
            // A second server on the same H2 file: 0 makes Micronaut throw instead of logging H2's whole stack
            // trace and exiting, so the one-line explanation below (explain) is what the user sees.
            ApplicationContext ctx = Micronaut.build(props.toArray(String[]::new)).mainClass(LeaderboardMain.class)
                    .mapError(BeanInstantiationException.class, e -> H2FileDatabase.heldByAnotherProcess(e) ? 0 : 1)
                    .start();
            ResultsImporter importer = ctx.getBean(ResultsImporter.class);
            for (Path p : imports) {
                System.out.println(describe(p, importFile(importer, p, true)));
            }
            EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
            System.out.println("PurifyBench leaderboard: " + server.getURL() + "  (Ctrl-C stops it)");
            return 0;
        }
    }

    @Command(name = "import", description = "Import results documents (pending unless --publish). Same document twice = no change.")
    static final class Import implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "RESULTS_JSON") List<Path> files;
        @Option(names = "--publish", description = "make the runs public right away") boolean publish;

        @Override
        public Integer call() {
            int failed = 0;
            try (ApplicationContext ctx = ApplicationContext.run()) {
                ResultsImporter importer = ctx.getBean(ResultsImporter.class);
                for (Path p : files) {
                    try {
                        System.out.println(describe(p, importFile(importer, p, publish)));
                    } catch (ImportException e) {
                        System.err.println("error: " + p + ": " + e.getMessage());
                        failed++;
                    }
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    /** publish and delete: one run id, one admin action, no server. */
    abstract static class RunAction implements Callable<Integer> {
        @Parameters(paramLabel = "RUN_ID") String runId;

        abstract boolean apply(RunAdministration admin, String runId);

        abstract String done();

        @Override
        public Integer call() {
            try (ApplicationContext ctx = ApplicationContext.run()) {
                return report(apply(ctx.getBean(RunAdministration.class), runId), done() + " " + runId, runId);
            }
        }
    }

    @Command(name = "publish", description = "Make an imported run public.")
    static final class Publish extends RunAction {
        @Override
        boolean apply(RunAdministration admin, String runId) {
            return admin.publish(runId);
        }

        @Override
        String done() {
            return "published";
        }
    }

    @Command(name = "delete", description = "Delete an imported run and all its rows.")
    static final class Delete extends RunAction {
        @Override
        boolean apply(RunAdministration admin, String runId) {
            return admin.delete(runId);
        }

        @Override
        String done() {
            return "deleted";
        }
    }

    private static int report(boolean done, String message, String runId) {
        if (done) {
            System.out.println(message);
            return 0;
        }
        System.err.println("error: no run '" + runId + "' in the database (see the admin page or /api/runs)");
        return 1;
    }

    static ImportOutcome importFile(ResultsImporter importer, Path file, boolean publish) {
        if (!Files.isRegularFile(file)) {
            throw new ImportException(ImportException.Reason.MALFORMED, "no such file: " + file
                    + " - give the results.json of a run (work/runs/<run-id>/results.json)");
        }
        try {
            return importer.importDocument(Files.readAllBytes(file), publish);
        } catch (IOException e) {
            throw new ImportException(ImportException.Reason.MALFORMED, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String describe(Path p, ImportOutcome o) {
        return (o.created() ? "imported " : "unchanged ") + o.runId() + " (" + o.status() + ", " + o.rows() + " rows, "
                + o.curves() + " curves) from " + p;
    }
}
