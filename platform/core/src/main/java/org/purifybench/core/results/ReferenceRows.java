package org.purifybench.core.results;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.purifybench.spi.Role;

/**
 * Roles of a document's defenses and the metrics that play each part of the report. The report
 * finds the backdoored row, the clean control, the oracle and the ranked defenses here, by the role
 * each defense's plug-in record carries ({@link PluginInfo#effectiveRole()}), never by id.
 */
final class ReferenceRows {
    /** One metric of one evaluator, as rows name them. */
    record Part(String evaluator, String metric) {
    }

    // The parts the report's tables and verdicts are built from: the accuracy evaluator's clean
    // accuracy and ASR right after the defense, and the Retuning Attack's after retuning. Rows name
    // evaluators by id, so these are the one place that says which declared metric plays which part.
    static final Part C_ACC = new Part("accuracy", "c-acc");
    static final Part O_ASR = new Part("accuracy", "asr");
    static final Part P_C_ACC = new Part("ra", "p-c-acc");
    static final Part P_ASR = new Part("ra", "p-asr");
    static final Part RA_CONTROL_P_ASR = new Part("ra", "control-p-asr");

    private ReferenceRows() {
    }

    /**
     * The role of {@code defense} (a row's defense name: the id, or id plus parameters): its plug-in
     * record's; a defense without one gets the role an old document's id implied.
     */
    static Role roleOf(ResultsDocument doc, String defense) {
        PluginInfo info = info(doc, defense);
        return info != null ? info.effectiveRole() : PluginInfo.legacyRole(defense, false, false);
    }

    static boolean isBaseline(ResultsDocument doc, String defense) {
        return roleOf(doc, defense).isBaseline();
    }

    static boolean isOracle(ResultsDocument doc, String defense) {
        return roleOf(doc, defense) == Role.ORACLE;
    }

    /** The first of the document's defenses with {@code role}, in the report's order. */
    static Optional<String> withRole(ResultsDocument doc, Role role) {
        return defenses(doc).stream().filter(d -> roleOf(doc, d) == role).findFirst();
    }

    /** The row every defense is compared with (O-Backdoor). */
    static Optional<String> backdoored(ResultsDocument doc) {
        return withRole(doc, Role.BACKDOORED_BASELINE);
    }

    private static PluginInfo info(ResultsDocument doc, String defense) {
        PluginInfo byId = null;
        for (PluginInfo p : doc.getPlugins()) {
            if (!"defense".equals(p.kind())) {
                continue;
            }
            if (defense.equals(p.id())) {
                return p;
            }
            // a defense the matrix runs with several settings is named id{params}
            if (byId == null && defense.startsWith(p.id() + "{")) {
                byId = p;
            }
        }
        return byId;
    }

    /** The defenses that have rows, in the order the document lists its plug-ins (then any others). */
    static List<String> defenses(ResultsDocument doc) {
        Set<String> ran = doc.getRows().stream().map(ResultRow::defense).filter(d -> d != null)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> out = new LinkedHashSet<>();
        for (PluginInfo p : doc.getPlugins()) {
            if ("defense".equals(p.kind()) && ran.contains(p.id())) {
                out.add(p.id());
            }
        }
        out.addAll(ran);
        return new ArrayList<>(out);
    }
}
