package org.purifybench.core.results;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.purifybench.spi.Role;

/**
 * Which plugin produced the numbers, recorded because a result is only comparable to another
 * if the same code ran: {@code source} is the jar file name (or "classpath" for built-ins) and
 * {@code sha256} its digest. {@code role} (defenses) is what the defense's model means: reports
 * find the reference rows, the oracle and the ranked defenses by it, never by id; {@code oracle}
 * and {@code reference} repeat it as flags (ORACLE; either baseline) for readers of the first
 * schema. {@code metrics} (evaluators) are the metric names the evaluator declares.
 * {@code description} and {@code paper} come from the plug-in's descriptor so a reader of the
 * results (the leaderboard's defense page) can say what ran without the jar. The four are null in
 * documents written before they were recorded: {@link #effectiveRole()} then infers the role.
 *
 * @param kind attack, defense or evaluator
 */
public record PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                         boolean reference,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String description,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String paper,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String role,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<String> metrics) {

    public PluginInfo {
        metrics = metrics == null ? null : List.copyOf(metrics);
    }

    public PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                      boolean reference) {
        this(kind, id, version, source, sha256, oracle, reference, null, null);
    }

    public PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                      boolean reference, String description, String paper) {
        this(kind, id, version, source, sha256, oracle, reference, description, paper, null, null);
    }

    /**
     * The defense's role: the recorded one; in a document written before roles were recorded, the
     * one its flags and the built-in ids of that time imply (ep the oracle, none the backdoored and
     * clean the clean baseline). This is the only place that reads roles from ids.
     */
    @JsonIgnore
    public Role effectiveRole() {
        if (role != null) {
            return Role.valueOf(role);
        }
        return legacyRole(id, oracle, reference);
    }

    /** The role a defense without a recorded role had (also for rows of a defense without plugin info). */
    static Role legacyRole(String id, boolean oracle, boolean reference) {
        if (oracle || "ep".equals(id)) {
            return Role.ORACLE;
        }
        if ("clean".equals(id)) {
            return Role.CLEAN_BASELINE;
        }
        if (reference || "none".equals(id)) {
            return Role.BACKDOORED_BASELINE;
        }
        return Role.PURIFIER;
    }
}
