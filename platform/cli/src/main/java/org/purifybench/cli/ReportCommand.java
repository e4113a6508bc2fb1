package org.purifybench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.purifybench.core.results.ReportWriter;
import org.purifybench.core.results.ResultsDocument;
import org.purifybench.core.results.ResultsIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "report", description = "Re-create the Markdown and HTML report of a run and print it.")
final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    PurifyBench root;

    @Parameters(paramLabel = "RUN", description = "A results.json, a run folder, or a run id under WORK/runs.")
    String run;

    @Override
    public Integer call() {
        Path p = Path.of(run);
        if (!Files.exists(p)) {
            p = root.workDir.resolve("runs").resolve(run);
        }
        if (Files.isDirectory(p)) {
            p = p.resolve("results.json");
        }
        ResultsDocument doc = ResultsIO.read(p);
        var files = ReportWriter.write(doc, p.toAbsolutePath().getParent());
        System.out.println(ReportWriter.markdown(doc));
        files.forEach(f -> System.out.println("report:  " + f));
        return 0;
    }
}
