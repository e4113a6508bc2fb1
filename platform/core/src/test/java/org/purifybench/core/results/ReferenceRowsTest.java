package org.purifybench.core.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.spi.Role;

/** The report finds the backdoored row, the clean control and the oracle by role; old documents by their ids. */
class ReferenceRowsTest {
    private static final Map<String, String> RENAMED = Map.of("none", "backdoored-row", "clean", "control", "ep", "my-oracle");
    private static final Map<String, Role> ROLES = Map.of("none", Role.BACKDOORED_BASELINE, "clean", Role.CLEAN_BASELINE,
            "ep", Role.ORACLE, "fst", Role.PURIFIER);

    /** The sample with every defense recorded with its role, the baselines and the oracle under other ids (flags off). */
    private static ResultsDocument renamed() {
        ResultsDocument doc = TestDocs.sample();
        List<PluginInfo> plugins = new ArrayList<>();
        for (PluginInfo p : doc.getPlugins()) {
            if (!p.kind().equals("defense")) {
                plugins.add(p);
                continue;
            }
            // flags false: only the role says what the defense is
            plugins.add(new PluginInfo("defense", RENAMED.getOrDefault(p.id(), p.id()), p.version(), p.source(), p.sha256(), false,
                    false, null, null, ROLES.get(p.id()).name(), null));
        }
        doc.setPlugins(plugins);
        List<ResultRow> rows = new ArrayList<>();
        for (ResultRow r : doc.getRows()) {
            rows.add(new ResultRow(r.cellId(), r.dataset(), r.model(), r.attack(), r.poisonRate(), r.seed(),
                    RENAMED.getOrDefault(r.defense(), r.defense()), r.evaluator(), r.metric(), r.value()));
        }
        doc.setRows(rows);
        List<Curve> curves = new ArrayList<>();
        for (Curve c : doc.getCurves()) {
            curves.add(new Curve(c.cellId(), RENAMED.getOrDefault(c.defense(), c.defense()), c.evaluator(), c.name(), c.x(), c.y()));
        }
        doc.setCurves(curves);
        return doc;
    }

    private static String line(String md, String label) {
        return md.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst().orElseThrow(() -> new AssertionError("no row " + label));
    }

    @Test
    void baselinesAndTheOracleUnderOtherIdsGiveTheSameReportAsTheBuiltIns() {
        String builtIn = ReportWriter.markdown(TestDocs.sample());
        String other = ReportWriter.markdown(renamed());
        assertEquals(line(builtIn, "O-Backdoor"), line(other, "O-Backdoor"), "the backdoored row is found by role");
        assertEquals(line(builtIn, "ep (oracle) P-Robustness").replace("ep (oracle)", "my-oracle (oracle)"),
                line(other, "my-oracle (oracle) P-Robustness"));
        assertEquals(line(builtIn, "clean (reference) O-Robustness").replace("clean (reference)", "control (reference)"),
                line(other, "control (reference) O-Robustness"));
        assertEquals(line(builtIn, "fst O-Robustness"), line(other, "fst O-Robustness"));
        assertFalse(other.contains("| backdoored-row O-Robustness"), "the backdoored baseline is the O-Backdoor row, not a defense row");
        assertFalse(other.contains("| backdoored-row | badnets |"), "nor a verdict row");
        assertTrue(other.contains("| my-oracle (oracle) | badnets | 5.00% | 80.00% | superficial |"), other);
    }

    @Test
    void anOldDocumentWithoutRolesReadsTheRolesItsIdsAndFlagsImplied(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("results.json");
        ResultsIO.write(TestDocs.sample(), file);
        assertFalse(Files.readString(file).contains("\"role\""), "the sample is a document of before roles");
        ResultsDocument doc = ResultsIO.read(file);
        PluginInfo none = doc.getPlugins().stream().filter(p -> p.id().equals("none")).findFirst().orElseThrow();
        assertNull(none.role());
        assertEquals(Role.BACKDOORED_BASELINE, none.effectiveRole());
        assertEquals(Role.CLEAN_BASELINE, ReferenceRows.roleOf(doc, "clean"));
        assertEquals(Role.ORACLE, ReferenceRows.roleOf(doc, "ep"));
        assertEquals(Role.PURIFIER, ReferenceRows.roleOf(doc, "fst"));
        assertEquals(Role.PURIFIER, ReferenceRows.roleOf(doc, "fst{lr=0.1}"), "a labelled setting has its plug-in's role");
        assertEquals(Role.PURIFIER, ReferenceRows.roleOf(doc, "backdoored-row"), "an unknown id without a record is a purifier");
    }

    @Test
    void aRecordedRoleWinsOverTheLegacyIds(@TempDir Path dir) throws Exception {
        ResultsDocument doc = renamed();
        // a purifier that happens to be called "none" in a document that records roles is a purifier
        List<PluginInfo> plugins = new ArrayList<>(doc.getPlugins());
        plugins.add(new PluginInfo("defense", "none", "1.0", "x.jar", "b".repeat(64), false, false, null, null, "PURIFIER", null));
        plugins.add(new PluginInfo("evaluator", "qra", "1.0", "classpath", null, false, false, null, null, null,
                List.of("p-asr", "c-asr")));
        doc.setPlugins(plugins);
        Path file = dir.resolve("results.json");
        ResultsIO.write(doc, file);
        ResultsDocument back = ResultsIO.read(file);
        assertEquals(Role.PURIFIER, ReferenceRows.roleOf(back, "none"));
        assertEquals(Role.ORACLE, ReferenceRows.roleOf(back, "my-oracle"));
        assertEquals(List.of("p-asr", "c-asr"), back.getPlugins().stream().filter(p -> p.id().equals("qra")).findFirst().orElseThrow()
                .metrics());
    }
}
