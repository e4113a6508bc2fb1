package org.purifybench.web.importing;

import java.util.List;
import org.purifybench.web.store.CellRecord;
import org.purifybench.web.store.CurveRecord;
import org.purifybench.web.store.FailureRecord;
import org.purifybench.web.store.PluginRecord;
import org.purifybench.web.store.RowRecord;
import org.purifybench.web.store.RunRecord;

/** A validated document, split into table records whose run key is still unset. */
record ParsedRun(RunRecord run, List<PluginRecord> plugins, List<CellRecord> cells,
                 List<RowRecord> rows, List<CurveRecord> curves, List<FailureRecord> failures) {
}
