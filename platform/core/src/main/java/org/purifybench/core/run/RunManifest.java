package org.purifybench.core.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.purifybench.core.UserException;

/**
 * The matrix of a run, kept in its folder as {@value #FILE} (the canonical JSON its config hash is
 * made of), so a task on another machine, {@code status} and {@code merge} find a run by its id alone.
 */
public final class RunManifest {
    public static final String FILE = "matrix.json";

    private RunManifest() {
    }

    static void save(Path runDir, MatrixSpec spec) {
        Path file = runDir.resolve(FILE);
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createDirectories(runDir);
            Path tmp = runDir.resolve(FILE + "." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, spec.toJson().toPrettyString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), "choose a writable --work-dir");
        }
    }

    /** The matrix of run {@code runId} under {@code workDir}; fails naming the run folders there when it has none. */
    public static MatrixSpec load(Path workDir, String runId) {
        Path runs = workDir.resolve("runs");
        Path file = runs.resolve(runId).resolve(FILE);
        if (runId.contains("/") || runId.contains("\\") || runId.startsWith(".")) {
            throw new UserException("'" + runId + "' is not a run id", "give the id a run printed, e.g. quick-d0b5b08ca9f4");
        }
        MatrixSpec spec;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            spec = MatrixSpec.parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new UserException("no run " + runId + " in " + runs + " (no " + FILE + " there)",
                    "give the --work-dir the run was planned in (purifybench plan or slurm submit prints the run id), or plan it:"
                            + " purifybench plan --matrix FILE --work-dir DIR");
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), "check the run folder's permissions");
        }
        if (!MatrixRunner.runId(spec).equals(runId)) {
            throw new UserException(file + " is not the matrix of run " + runId + " (its id would be " + MatrixRunner.runId(spec) + ")",
                    "it was edited: restore it, or plan the matrix again (a changed matrix is a new run)");
        }
        return spec;
    }
}
