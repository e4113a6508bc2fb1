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
 * synced to disk: {@value #FILE} for a run made by one process, one shard per task under
 * {@value #SHARDS} for a run made by cluster tasks (each appends to its own file only); a journal reads
 * them all. A killed run re-reads it and skips what is done; a torn last line (the process
 * died mid-write) is dropped and that unit redone.
 */
final class Journal {
    /**
     * One finished unit.
     *
     * @param codeVersion the code that computed it (null in journals written before it was recorded)
     */
    record Entry(String unit, List<ResultRow> rows, List<Curve> curves, String codeVersion) {
        /** An entry computed by this code. */
        Entry(String unit, List<ResultRow> rows, List<Curve> curves) {
            this(unit, rows, curves, org.purifybench.core.fingerprint.CodeVersion.get());
        }
    }

    /** The name journal entries from before code versions were recorded are counted under. */
    static final String UNKNOWN_VERSION = "unknown (journaled before code versions were)";

    /** How many entries each code version computed, in the order first seen. */
    synchronized Map<String, Integer> unitsByCodeVersion() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        done.values().forEach(e -> counts.merge(e.codeVersion() == null ? UNKNOWN_VERSION : e.codeVersion(), 1, Integer::sum));
        return counts;
    }

    /** The journal of a run made by one process ({@code run}). */
    static final String FILE = "journal.jsonl";
    /** The folder of a run's journal shards: one per cluster task, so no two processes ever append to one file. */
    static final String SHARDS = "journal.d";

    private final Path file;
    // One entry per line: the results mapper pretty-prints, the journal must not.
    private final ObjectMapper json = ResultsIO.mapper().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Entry> done = new LinkedHashMap<>();
    /** The units this journal's own file holds (a rewrite keeps only these). */
    private final java.util.Set<String> ownUnits = new java.util.LinkedHashSet<>();

    /** A journal that reads and appends to {@code file} only. */
    Journal(Path file, Runnable onTornLine) {
        this(file, List.of(), onTornLine);
    }

    /**
     * A journal that appends to {@code file} and also counts what {@code others} (other processes'
     * shards) hold. Another process's torn last line is that process's to redo: it is skipped here,
     * never rewritten.
     */
    Journal(Path file, List<Path> others, Runnable onTornLine) {
        this.file = file;
        for (Path other : others) {
            if (!other.equals(file)) {
                read(other, () -> { }, false);
            }
        }
        if (file != null) {
            read(file, onTornLine, true);
        }
    }

    /**
     * The journal of {@code runDir} as process {@code shard} sees it: everything the run's journal and
     * shards hold, appending to its own shard ({@code null}: the single-process journal).
     */
    static Journal of(Path runDir, String shard, Runnable onTornLine) {
        Path own = shard == null ? runDir.resolve(FILE) : runDir.resolve(SHARDS).resolve(shard + ".jsonl");
        if (shard != null) {
            try {
                Files.createDirectories(own.getParent());
            } catch (IOException e) {
                throw new UserException("cannot create " + own.getParent() + ": " + e.getMessage(), "choose a writable --work-dir");
            }
        }
        return new Journal(own, files(runDir), onTornLine);
    }

    /** Everything a run's journal and shards hold, for reading only (status, merge): it never writes or repairs a file. */
    static Journal readOnly(Path runDir) {
        return new Journal(null, files(runDir), () -> { });
    }

    /** Every journal file of a run: the single-process journal, then the shards by name. */
    static List<Path> files(Path runDir) {
        List<Path> files = new ArrayList<>();
        if (Files.exists(runDir.resolve(FILE))) {
            files.add(runDir.resolve(FILE));
        }
        Path shards = runDir.resolve(SHARDS);
        if (Files.isDirectory(shards)) {
            try (java.util.stream.Stream<Path> s = Files.list(shards)) {
                s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UserException("cannot list " + shards + ": " + e.getMessage(), "check permissions of the run folder");
            }
        }
        return files;
    }

    private void read(Path from, Runnable onTornLine, boolean own) {
        if (!Files.exists(from)) {
            return;
        }
        try {
            boolean torn = false;
            List<String> lines = Files.readAllLines(from, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Entry e = json.readValue(line, Entry.class);
                    done.put(e.unit(), e);
                    if (own) {
                        ownUnits.add(e.unit());
                    }
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new UserException("run journal " + from + " is damaged at line " + (i + 1) + " (" + e.getMessage().lines().findFirst().orElse("") + ")",
                                "delete it (or run with --fresh) to redo the run's evaluations; cached models are kept");
                    }
                    onTornLine.run();
                    torn = true;
                }
            }
            if (torn && own) {
                rewrite();
            }
        } catch (IOException e) {
            throw new UserException("cannot read run journal " + from + ": " + e.getMessage(), "check permissions of the run folder");
        }
    }

    synchronized boolean isDone(String unit) {
        return done.containsKey(unit);
    }

    synchronized int size() {
        return done.size();
    }

    synchronized void record(Entry entry) {
        if (file == null) {
            throw new IllegalStateException("a read-only journal records nothing");
        }
        done.put(entry.unit(), entry);
        ownUnits.add(entry.unit());
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
            for (String unit : ownUnits) {
                Entry e = done.get(unit);
                w.write(json.writeValueAsString(e));
                w.write('\n');
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
