package org.purifybench.web.board;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.purifybench.web.store.CellRepository;
import org.purifybench.web.store.CurveRepository;
import org.purifybench.web.store.FailureRepository;
import org.purifybench.web.store.PluginRepository;
import org.purifybench.web.store.RowRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/** Run listings and run pages. Pending runs are visible to the admin only. */
@Singleton
public class RunService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunRepository runs;
    private final RowRepository rows;
    private final CurveRepository curves;
    private final PluginRepository plugins;
    private final CellRepository cells;
    private final FailureRepository failures;

    public RunService(RunRepository runs, RowRepository rows, CurveRepository curves, PluginRepository plugins,
                      CellRepository cells, FailureRepository failures) {
        this.runs = runs;
        this.rows = rows;
        this.curves = curves;
        this.plugins = plugins;
        this.cells = cells;
        this.failures = failures;
    }

    public List<RunSummary> published() {
        return runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED).stream().map(this::summary).toList();
    }

    public List<RunSummary> all() {
        return runs.findAllOrderByImportedAtDesc().stream().map(this::summary).toList();
    }

    private RunSummary summary(RunRecord r) {
        return new RunSummary(r.runId(), r.status(), r.profile(), r.createdAt(), r.importedAt().toString(), r.configHash(),
                r.codeVersion(), rows.countByRunPk(r.id()));
    }

    public Optional<RunDetail> detail(String runId, boolean includePending) {
        return runs.findByRunId(runId).filter(r -> includePending || r.published()).map(r -> new RunDetail(summary(r),
                r.spiVersion(), r.javaVersion(), r.os(), r.cpu(), r.cores(), r.nd4jBackend(), r.device(), r.engine(),
                r.wallTimeSeconds(), r.peakHeapBytes(), r.peakOffHeapBytes(), phases(r.phaseSecondsJson()),
                DefenseService.strings(r.approximationsJson()),
                plugins.forRun(r.id()).stream().map(RunDetail.PluginView::of).toList(),
                cells.findByRunPkOrderByCellIdAsc(r.id()).stream().map(RunDetail.CellView::of).toList(),
                curves.countByRunPk(r.id()), r.documentSha256(), config(r.configJson()),
                failures.findByRunPkOrderByIdAsc(r.id()).stream().map(f -> RunDetail.FailureView.of(f, strings(f.logTailJson()))).toList()));
    }

    private static Map<String, Object> config(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("stored configuration is not a JSON object: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("stored log lines are not a JSON array of strings: " + e.getMessage(), e);
        }
    }

    private static Map<String, Double> phases(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Double>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("stored phase times are not a JSON object of numbers: " + e.getMessage(), e);
        }
    }
}
