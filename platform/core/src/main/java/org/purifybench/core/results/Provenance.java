package org.purifybench.core.results;

import java.util.Map;

/**
 * Where and how a run executed. Kept in the results file because timings and even accuracies
 * depend on the backend, device and code version, and a results file that outlives its machine
 * must still say what produced it.
 *
 * @param phaseSeconds wall time per phase (e.g. train, purify, evaluate), in the order they ran
 * @param unitsByCodeVersion how many of the results' units each code version computed: a run resumed or
 *                           completed after a commit holds units of several; null when not recorded
 * @param engine the compute engine and its libraries (e.g. {@code nd4j 1.0.0-M2.1 SameDiff ...} or
 *               {@code pytorch 2.5.1 via DJL 0.33.0}); null in results from before engines existed
 */
public record Provenance(String codeVersion, int spiVersion, String javaVersion, String os, String cpu, int cores,
                         String nd4jBackend, String device, double wallTimeSeconds, Map<String, Double> phaseSeconds,
                         long peakHeapBytes, long peakOffHeapBytes, Map<String, Integer> unitsByCodeVersion,
                         String engine) {

    /** Provenance without the engine (results written before engines existed). */
    public Provenance(String codeVersion, int spiVersion, String javaVersion, String os, String cpu, int cores,
                      String nd4jBackend, String device, double wallTimeSeconds, Map<String, Double> phaseSeconds,
                      long peakHeapBytes, long peakOffHeapBytes, Map<String, Integer> unitsByCodeVersion) {
        this(codeVersion, spiVersion, javaVersion, os, cpu, cores, nd4jBackend, device, wallTimeSeconds, phaseSeconds, peakHeapBytes,
                peakOffHeapBytes, unitsByCodeVersion, null);
    }

    /** Provenance without the units' code versions. */
    public Provenance(String codeVersion, int spiVersion, String javaVersion, String os, String cpu, int cores,
                      String nd4jBackend, String device, double wallTimeSeconds, Map<String, Double> phaseSeconds,
                      long peakHeapBytes, long peakOffHeapBytes) {
        this(codeVersion, spiVersion, javaVersion, os, cpu, cores, nd4jBackend, device, wallTimeSeconds, phaseSeconds, peakHeapBytes,
                peakOffHeapBytes, null);
    }
}
