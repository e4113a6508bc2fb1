package org.purifybench.core.results;

/**
 * Which plugin produced the numbers, recorded because a result is only comparable to another
 * if the same code ran: {@code source} is the jar file name (or "classpath" for built-ins) and
 * {@code sha256} its digest. {@code oracle} marks defenses that need the true trigger (EP), and
 * {@code reference} marks baselines that are not real defenses (none, clean); reports label both
 * so nobody ranks them against real defenses.
 *
 * @param kind attack, defense or evaluator
 */
public record PluginInfo(String kind, String id, String version, String source, String sha256, boolean oracle,
                         boolean reference) {
}
