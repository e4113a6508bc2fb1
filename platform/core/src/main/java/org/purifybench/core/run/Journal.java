package org.purifybench.core.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.purifybench.core.UserException;
import org.purifybench.core.results.Curve;
import org.purifybench.core.results.ResultRow;
import org.purifybench.core.results.ResultsIO;

/**
 * Append-only record of finished work units (cell x defense x evaluator), one JSON line each,
 * synced to disk. A killed run re-reads it and skips what is done; a torn last line (the process
 * died mid-write) is dropped and that unit redone.
 */
final class Journal {
    record Entry(String unit, List<ResultRow> rows, List<Curve> curves) {
    }

    private final Path file;
    // One entry per line: the results mapper pretty-prints, the journal must not.
    private final ObjectMapper json = ResultsIO.mapper().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Entry> done = new LinkedHashMap<>();

    Journal(Path file, Runnable onTornLine) {
        this.file = file;
        if (!Files.exists(file)) {
            return;
        }
        try {
            boolean torn = false;
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Entry e = json.readValue(line, Entry.class);
                    done.put(e.unit(), e);
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new UserException("run journal " + file + " is damaged at line " + (i + 1) + " (" + e.getMessage().lines().findFirst().orElse("") + ")",
                                "delete it (or run with --fresh) to redo the run's evaluations; cached models are kept");
                    }
                    onTornLine.run();
                    torn = true;
                }
            }
            if (torn) {
                rewrite();
            }
        } catch (IOException e) {
            throw new UserException("cannot read run journal " + file + ": " + e.getMessage(), "check permissions of the run folder");
        }
    }

    synchronized boolean isDone(String unit) {
        return done.containsKey(unit);
    }

    synchronized int size() {
        return done.size();
    }

    synchronized void record(Entry entry) {
        done.put(entry.unit(), entry);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.UTF_8.encode(json.writeValueAsString(entry) + "\n"));
            ch.force(true);
        } catch (IOException e) {
            throw new UserException("cannot append to run journal " + file + ": " + e.getMessage(), "free disk space or choose another --work-dir");
        }
    }

    synchronized List<Entry> entries() {
        return new ArrayList<>(done.values());
    }

    /** Rewrites the file without a torn tail so later appends start on a fresh line. */
    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Entry e : done.values()) {
                w.write(json.writeValueAsString(e));
                w.write('\n');
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
