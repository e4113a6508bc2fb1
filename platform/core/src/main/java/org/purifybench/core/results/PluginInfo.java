package org.purifybench.core.results;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Which plugin produced the numbers, recorded because a result is only comparable to another
 * if the same code ran: {@code source} is the jar file name (or "classpath" for built-ins) and
 * {@code sha256} its digest. {@code oracle} marks defenses that need the true trigger (EP), and
 * {@code reference} marks baselines that are not real defenses (none, clean); reports label both
 * so nobody ranks them against real defenses. {@code description} and {@code paper} come from the
 * plug-in's descriptor so a reader of the results (the leaderboard's defense page) can say what
 * ran without the jar; null in documents written before they were recorded.
 *
 * @param kind attack, defense or evaluator
 */
public record PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                         boolean reference,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String description,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String paper) {

    public PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                      boolean reference) {
        this(kind, id, version, source, sha256, oracle, reference, null, null);
    }
}
