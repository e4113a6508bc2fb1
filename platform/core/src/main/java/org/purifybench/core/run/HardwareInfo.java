package org.purifybench.core.run;

import org.purifybench.core.fingerprint.CodeVersion;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.results.Provenance;
import org.purifybench.spi.SpiVersion;

/**
 * What a run's results say about the machine and code that produced them ({@link Provenance}):
 * timings and even accuracies depend on the backend, the processor and the thread count, and a
 * results file outlives its machine.
 */
final class HardwareInfo {
    private long peakOffHeap;

    /** Notes the native memory in use now; the largest value noted goes into the provenance. */
    synchronized void samplePeakOffHeap() {
        peakOffHeap = Math.max(peakOffHeap, Pointer.physicalBytes());
    }

    /** The provenance of a run that took {@code wallSeconds}, with the given phase times and its units' code versions. */
    Provenance provenance(double wallSeconds, Map<String, Double> phaseSeconds, Map<String, Integer> unitsByCodeVersion,
                          ComputeEngine engine) {
        return provenance(wallSeconds, phaseSeconds, unitsByCodeVersion, peakHeap(), peakResident(), engine);
    }

    /** As above, with the peaks given (a merged run's: the largest of its tasks'). */
    Provenance provenance(double wallSeconds, Map<String, Double> phaseSeconds, Map<String, Integer> unitsByCodeVersion, long peakHeap,
                          long peakResident, ComputeEngine engine) {
        return new Provenance(CodeVersion.get(), SpiVersion.CURRENT, System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                cpuModel(), Runtime.getRuntime().availableProcessors(), backend(), engine.device(), wallSeconds,
                phaseSeconds, peakHeap, peakResident, unitsByCodeVersion, engine.id() + ": " + engine.describe());
    }

    /** The largest resident memory of this process noted so far, now included. */
    long peakResident() {
        samplePeakOffHeap();
        synchronized (this) {
            return peakOffHeap;
        }
    }

    /** This machine's name, for task records (which node ran a cluster task). */
    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "unknown" : env;
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String backend() {
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        String ext = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
        return Nd4j.getBackend().getClass().getSimpleName() + " (" + String.valueOf(env.getOrDefault("blas.vendor", "?"))
                + (ext.isEmpty() ? "" : ", native build " + ext.substring(1)) + ", " + String.valueOf(env.getOrDefault("omp.threads", "?")) + " threads)";
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
