package org.purifybench.core.results;

import java.util.Map;

/**
 * Where and how a run executed. Kept in the results file because timings and even accuracies
 * depend on the backend, device and code version, and a results file that outlives its machine
 * must still say what produced it.
 *
 * @param phaseSeconds wall time per phase (e.g. train, purify, evaluate), in the order they ran
 */
public record Provenance(String codeVersion, int spiVersion, String javaVersion, String os, String cpu, int cores,
                         String nd4jBackend, String device, double wallTimeSeconds, Map<String, Double> phaseSeconds,
                         long peakHeapBytes, long peakOffHeapBytes) {
}
