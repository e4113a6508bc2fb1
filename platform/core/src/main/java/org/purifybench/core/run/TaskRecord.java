package org.purifybench.core.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.purifybench.core.UserException;
import org.purifybench.core.results.FailedUnit;
import org.purifybench.core.results.ResultsIO;

/**
 * What one task of a run did, as {@code RUN/tasks/STAGE-INDEX.json}: written when it starts
 * (state running, host, pid) and when it ends (done or failed, the failed units with their
 * reasons, what it used). Each task writes only its own file, atomically, so a status read
 * from any machine sees whole records.
 *
 * @param schedulerJob the scheduler's id of the job running it (Slurm: {@code ARRAYJOB_TASK}), or null outside one
 * @param usage        what the task used, once it ended (null while it runs)
 */
public record TaskRecord(String stage, int index, String task, String state, String host, long pid, String started, String ended,
                         String schedulerJob, String message, List<FailedUnit> failures, Usage usage) {
    /**
     * What a task used; the merged results' provenance sums the times and takes the largest peaks.
     *
     * @param phases seconds per phase ({@link PhaseClock})
     */
    public record Usage(double seconds, Map<String, Double> phases, long peakHeapBytes, long peakResidentBytes) {
        public Usage {
            phases = phases == null ? Map.of() : Map.copyOf(phases);
        }
    }

    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    static final String FOLDER = "tasks";
    private static final ObjectMapper JSON = ResultsIO.mapper().disable(SerializationFeature.INDENT_OUTPUT);

    public TaskRecord {
        failures = failures == null ? List.of() : List.copyOf(failures);
    }

    /** The Slurm job this process runs in ({@code 1234_5} for task 5 of array job 1234), or null outside Slurm. */
    static String slurmJob() {
        String array = System.getenv("SLURM_ARRAY_JOB_ID");
        String task = System.getenv("SLURM_ARRAY_TASK_ID");
        if (array != null && task != null) {
            return array + "_" + task;
        }
        return System.getenv("SLURM_JOB_ID");
    }

    static Path file(Path runDir, RunTasks.Stage stage, int index) {
        return runDir.resolve(FOLDER).resolve(stage.label() + "-" + index + ".json");
    }

    void write(Path runDir) {
        Path file = file(runDir, RunTasks.Stage.of(stage), index);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UserException("cannot write task record " + file + ": " + e.getMessage(), "free disk space or choose another --work-dir");
        }
    }

    /** Every task record of a run (an unreadable one is skipped: it is being replaced or was torn by a crash). */
    public static List<TaskRecord> readAll(Path runDir) {
        Path dir = runDir.resolve(FOLDER);
        List<TaskRecord> records = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return records;
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    records.add(JSON.readValue(p.toFile(), TaskRecord.class));
                } catch (IOException ignored) {
                    // a record being replaced, or left torn by a crash: that task counts as not recorded
                }
            }
        } catch (IOException e) {
            throw new UserException("cannot list " + dir + ": " + e.getMessage(), "check permissions of the run folder");
        }
        return records;
    }
}
