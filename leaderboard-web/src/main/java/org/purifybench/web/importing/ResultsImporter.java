package org.purifybench.web.importing;

import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.purifybench.web.importing.ImportException.Reason;
import org.purifybench.web.store.BoardVersionRepository;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.CurveRepository;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/**
 * Imports results documents. Idempotent (the same document again changes nothing; the same run
 * id with other content is refused) and atomic (one transaction: a document that fails half-way
 * leaves no row behind).
 */
@Singleton
public class ResultsImporter {

    private final ResultsDocumentParser parser;
    private final RunRepository runs;
    private final PluginRepository plugins;
    private final CellRepository cells;
    private final RowRepository rows;
    private final CurveRepository curves;
    private final BoardVersionRepository versions;
    private final long maxBytes;

    public ResultsImporter(ResultsDocumentParser parser, RunRepository runs, PluginRepository plugins,
                           CellRepository cells, RowRepository rows, CurveRepository curves,
                           BoardVersionRepository versions,
                           @Value("${purifybench.import.max-bytes:16777216}") long maxBytes) {
        this.versions = versions;
        this.parser = parser;
        this.runs = runs;
        this.plugins = plugins;
        this.cells = cells;
        this.rows = rows;
        this.curves = curves;
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    @Transactional
    public ImportOutcome importDocument(byte[] bytes, boolean publish) {
        if (bytes.length > maxBytes) {
            throw new ImportException(Reason.TOO_LARGE, "the document is " + bytes.length + " bytes; the limit is "
                    + maxBytes + " (purifybench.import.max-bytes) - split the run or raise the limit");
        }
        ParsedRun parsed = parser.parse(bytes, publish ? RunRecord.PUBLISHED : RunRecord.PENDING, Instant.now());
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
                p.source(), p.sha256(), p.oracle(), p.reference(), p.description(), p.paper())));
        cells.saveAll(withRun(parsed.cells(), c -> new CellRecord(null, pk, c.cellId(), c.dataset(), c.model(), c.attack(),
                c.poisonRate(), c.seed(), c.backdooredModelKey())));
        rows.saveAll(withRun(parsed.rows(), r -> new RowRecord(null, pk, r.cellId(), r.dataset(), r.model(), r.attack(),
                r.poisonRate(), r.seed(), r.defense(), r.evaluator(), r.metric(), r.metricValue())));
        curves.saveAll(withRun(parsed.curves(), k -> new CurveRecord(null, pk, k.cellId(), k.defense(), k.evaluator(),
                k.name(), k.xJson(), k.yJson())));
        versions.bump();
        return new ImportOutcome(run.runId(), true, run.status(), parsed.rows().size(), parsed.curves().size(), "imported");
    }

    private static <T> List<T> withRun(List<T> records, Function<T, T> setRun) {
        return records.stream().map(setRun).toList();
    }
}
