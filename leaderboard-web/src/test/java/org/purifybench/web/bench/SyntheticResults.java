package org.purifybench.web.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.purifybench.web.ResultsDocuments;

/**
 * Writes synthetic results documents for the latency benchmark (leaderboard-web/bench/latency.sh),
 * not a test. Every document is {@link ResultsDocuments#standardLike} (9 defenses x 2 attacks x
 * seeds, 5 metrics = 90 rows per seed) in the same track (fashion-mnist / cnn-small / 0.05) with
 * its own run id and its own seeds, so the rows of all documents add up in ONE track.
 *
 * <p>Usage: {@code SyntheticResults OUTPUT_DIR [TOTAL_ROWS=10000] [SEEDS_PER_RUN=3]}. Writes
 * {@code OUTPUT_DIR/bench-run-NNNN.json} until at least TOTAL_ROWS rows are written, then prints
 * {@code rows=R runs=N seeds=S dir=...} on one line.
 */
public final class SyntheticResults {

    private SyntheticResults() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: SyntheticResults OUTPUT_DIR [TOTAL_ROWS=10000] [SEEDS_PER_RUN=3]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long totalRows = args.length > 1 ? Long.parseLong(args[1]) : 10_000;
        int seedsPerRun = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        if (totalRows < 1 || seedsPerRun < 1) {
            throw new IllegalArgumentException("TOTAL_ROWS and SEEDS_PER_RUN must be positive");
        }
        Files.createDirectories(dir);
        long written = 0;
        int runs = 0;
        long nextSeed = 1;
        while (written < totalRows) {
            String runId = String.format("bench-run-%04d", runs + 1);
            ObjectNode doc = ResultsDocuments.standardLike(runId, nextSeed, seedsPerRun).tree();
            int rows = doc.get("rows").size();
            if (rows == 0) {
                throw new IllegalStateException("standardLike produced no rows");
            }
            Files.write(dir.resolve(runId + ".json"), doc.toString().getBytes(StandardCharsets.UTF_8));
            written += rows;
            nextSeed += seedsPerRun;
            runs++;
        }
        System.out.println("rows=" + written + " runs=" + runs + " seeds=" + (nextSeed - 1) + " dir=" + dir);
    }
}
