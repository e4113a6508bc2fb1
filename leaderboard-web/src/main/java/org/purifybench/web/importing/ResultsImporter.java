package org.purifybench.web.importing;

import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.purifybench.web.importing.ImportException.Reason;
import org.purifybench.web.store.BoardVersionRepository;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.CurveRepository;
import org.purifybench.web.store.FailureRecord;
import org.purifybench.web.store.FailureRepository;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/**
 * Imports results documents. Idempotent (the same document again changes nothing; the same run
 * id with other content is refused, also when both arrive at once) and atomic (one transaction: a
 * document that fails half-way leaves no row behind). Every path in (admin API, admin page, CLI,
 * website submissions) comes here, so all get the same checks ({@link ResultsDocumentParser}).
 */
@Singleton
public class ResultsImporter {

    private final ResultsDocumentParser parser;
    private final RunRepository runs;
    private final PluginRepository plugins;
    private final CellRepository cells;
    private final RowRepository rows;
    private final CurveRepository curves;
    private final FailureRepository failures;
    private final BoardVersionRepository versions;
    private final long maxBytes;
    private final TransactionOperations<Connection> tx;

    private static final int MAX_ATTEMPTS = 3;
    private static final Set<String> CONTENDED_STATES = Set.of("23505", "HYT00", "55P03", "40001", "40P01");

    public ResultsImporter(ResultsDocumentParser parser, RunRepository runs, PluginRepository plugins,
                           CellRepository cells, RowRepository rows, CurveRepository curves, FailureRepository failures,
                           BoardVersionRepository versions, TransactionOperations<Connection> tx,
                           @Value("${purifybench.import.max-bytes:16777216}") long maxBytes) {
        this.versions = versions;
        this.parser = parser;
        this.runs = runs;
        this.plugins = plugins;
        this.cells = cells;
        this.rows = rows;
        this.curves = curves;
        this.failures = failures;
        this.maxBytes = maxBytes;
        this.tx = tx;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public ImportOutcome importDocument(byte[] bytes, boolean publish) {
        if (bytes.length > maxBytes) {
            throw new ImportException(Reason.TOO_LARGE, "the document is " + bytes.length + " bytes; the limit is "
                    + maxBytes + " (purifybench.import.max-bytes) - split the run or raise the limit");
        }
        ParsedRun parsed = parser.parse(bytes, publish ? RunRecord.PUBLISHED : RunRecord.PENDING, Instant.now());
        if (tx.findTransactionStatus().isPresent()) {
            // Part of the caller's transaction (a submission's results): that transaction decides, and
            // one that a failed statement has aborted cannot look again.
            return tx.executeWrite(status -> existingOrWritten(parsed));
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return tx.executeWrite(status -> existingOrWritten(parsed));
            } catch (RuntimeException e) {
                // Two imports of one run at once both find no run and both insert it; the database's
                // unique run_id lets one win. The other rolls back and looks again in a new transaction:
                // it then finds the winner's run and answers as for any second import (unchanged or 409).
                if (!contended(e)) {
                    throw e;
                }
                if (attempt == MAX_ATTEMPTS) {
                    throw new ImportException(Reason.CONFLICT, "run '" + parsed.run().runId() + "' was being imported by"
                            + " another request at the same time, " + MAX_ATTEMPTS + " times over - look at the run list,"
                            + " then import again if it is not there");
                }
            }
        }
    }

    private ImportOutcome existingOrWritten(ParsedRun parsed) {
        Optional<RunRecord> existing = runs.findByRunId(parsed.run().runId());
        if (existing.isPresent()) {
            RunRecord old = existing.get();
            if (!old.documentSha256().equals(parsed.run().documentSha256())) {
                throw new ImportException(Reason.CONFLICT, "run '" + old.runId() + "' is already imported with different "
                        + "content (sha256 " + old.documentSha256().substring(0, 12) + "...) - delete it first if the new "
                        + "document replaces it");
            }
            return new ImportOutcome(old.runId(), false, old.status(), rows.countByRunPk(old.id()),
                    curves.countByRunPk(old.id()), "already imported: nothing changed");
        }
        RunRecord run = runs.save(parsed.run());
        Long pk = run.id();
        plugins.saveAll(withRun(parsed.plugins(), p -> new PluginRecord(null, pk, p.kind(), p.pluginId(), p.version(),
                p.source(), p.sha256(), p.oracle(), p.reference(), p.description(), p.paper(), p.role(), p.metricsJson())));
        cells.saveAll(withRun(parsed.cells(), c -> new CellRecord(null, pk, c.cellId(), c.dataset(), c.model(), c.attack(),
                c.poisonRate(), c.seed(), c.backdooredModelKey())));
        rows.saveAll(withRun(parsed.rows(), r -> new RowRecord(null, pk, r.cellId(), r.dataset(), r.model(), r.attack(),
                r.poisonRate(), r.seed(), r.defense(), r.evaluator(), r.metric(), r.metricValue())));
        curves.saveAll(withRun(parsed.curves(), k -> new CurveRecord(null, pk, k.cellId(), k.defense(), k.evaluator(),
                k.name(), k.xJson(), k.yJson())));
        failures.saveAll(withRun(parsed.failures(), f -> new FailureRecord(null, pk, f.cellId(), f.defense(), f.evaluator(),
                f.status(), f.reason(), f.logTailJson())));
        versions.bump();
        return new ImportOutcome(run.runId(), true, run.status(), parsed.rows().size(), parsed.curves().size(), "imported");
    }

    /**
     * The run id's unique key was taken by a concurrent import (23505, H2 and PostgreSQL alike), or
     * the wait for its lock ended (H2's lock timeout HYT00, PostgreSQL's 55P03, 40001, 40P01).
     */
    static boolean contended(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && CONTENDED_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static <T> List<T> withRun(List<T> records, Function<T, T> setRun) {
        return records.stream().map(setRun).toList();
    }
}
