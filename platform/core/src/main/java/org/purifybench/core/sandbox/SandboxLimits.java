package org.purifybench.core.sandbox;

import java.time.Duration;
import org.purifybench.core.UserException;

/**
 * What one sandboxed job may use. Each limit is enforced by something outside the plug-in's reach:
 * the wall clock by the parent and by {@code timeout} inside the sandbox, CPU time, file size, tasks
 * and address space by {@code prlimit} (kernel rlimits), the heap by {@code -Xmx}, direct buffers by
 * {@code -XX:MaxDirectMemorySize}, ND4J's off-heap arrays by JavaCPP's {@code maxbytes} /
 * {@code maxphysicalbytes}, and the only writable folder by the size of its tmpfs.
 *
 * @param wall          wall-clock limit of the child JVM (start-up included)
 * @param cpuSeconds    CPU seconds the child may use (all its threads together; RLIMIT_CPU)
 * @param heapBytes     Java heap ({@code -Xmx})
 * @param directBytes   NIO direct buffers ({@code -XX:MaxDirectMemorySize})
 * @param offHeapBytes  ND4J/JavaCPP off-heap arrays ({@code org.bytedeco.javacpp.maxbytes})
 * @param physicalBytes resident memory JavaCPP lets the process reach before it refuses to allocate
 *                      ({@code org.bytedeco.javacpp.maxphysicalbytes})
 * @param addressBytes  virtual address space of every process in the sandbox (RLIMIT_AS): the backstop for
 *                      native memory nothing above counts (e.g. {@code Unsafe.allocateMemory})
 * @param scratchBytes  size of the one writable folder (a tmpfs: the output model, temporary files)
 * @param maxTasks      processes and threads of the sandbox user (RLIMIT_NPROC): stops fork and thread bombs
 */
public record SandboxLimits(Duration wall, long cpuSeconds, long heapBytes, long directBytes, long offHeapBytes,
                            long physicalBytes, long addressBytes, long scratchBytes, int maxTasks) {
    private static final long MB = 1L << 20;
    private static final long GB = 1L << 30;

    /**
     * For matrix runs: a defense gets 4 hours, a 3 GB heap and the launcher's ND4J limits for the harness
     * (6 GB counted, 8 GB resident), 16 GB of address space (the JVM with ND4J reserves about 2.7 GB
     * beyond its heap before it allocates anything), 1 GB of scratch space, 1024 tasks.
     */
    public static final SandboxLimits DEFAULTS = new SandboxLimits(Duration.ofHours(4), 4L * 3600 * 8, 3 * GB, 512 * MB,
            6 * GB, 8 * GB, 16 * GB, GB, 1024);

    public SandboxLimits {
        if (wall.isNegative() || wall.isZero() || cpuSeconds <= 0 || heapBytes < 64 * MB || directBytes <= 0 || offHeapBytes <= 0
                || physicalBytes <= 0 || addressBytes <= heapBytes || scratchBytes < MB || maxTasks < 64) {
            throw new IllegalArgumentException("invalid sandbox limits " + this);
        }
    }

    public SandboxLimits withWall(Duration w) {
        return new SandboxLimits(w, cpuSeconds, heapBytes, directBytes, offHeapBytes, physicalBytes, addressBytes, scratchBytes, maxTasks);
    }

    public SandboxLimits withCpuSeconds(long s) {
        return new SandboxLimits(wall, s, heapBytes, directBytes, offHeapBytes, physicalBytes, addressBytes, scratchBytes, maxTasks);
    }

    public SandboxLimits withMemory(long heap, long direct, long offHeap, long physical, long address) {
        return new SandboxLimits(wall, cpuSeconds, heap, direct, offHeap, physical, address, scratchBytes, maxTasks);
    }

    /**
     * {@link #DEFAULTS} with the overrides given as system properties (the launcher passes
     * {@code PURIFYBENCH_JAVA_OPTS}): {@code purifybench.sandbox.wall} (ISO-8601 duration such as
     * {@code PT6H}, or seconds), {@code .cpu-seconds}, {@code .heap}, {@code .direct}, {@code .off-heap},
     * {@code .physical}, {@code .address-space}, {@code .scratch} (bytes, with an optional k/m/g suffix)
     * and {@code .tasks}.
     */
    public static SandboxLimits fromSystemProperties() {
        return fromSystemProperties(DEFAULTS.wall());
    }

    /** As {@link #fromSystemProperties()}, with {@code defaultWall} where no wall limit is given. */
    public static SandboxLimits fromSystemProperties(Duration defaultWall) {
        SandboxLimits d = DEFAULTS;
        try {
            Duration wall = prop("wall") == null ? defaultWall : duration(prop("wall"));
            return new SandboxLimits(wall,
                    prop("cpu-seconds") == null ? Math.max(d.cpuSeconds(), wall.toSeconds() * 8) : Long.parseLong(prop("cpu-seconds")),
                    bytes("heap", d.heapBytes()), bytes("direct", d.directBytes()), bytes("off-heap", d.offHeapBytes()),
                    bytes("physical", d.physicalBytes()), bytes("address-space", d.addressBytes()), bytes("scratch", d.scratchBytes()),
                    prop("tasks") == null ? d.maxTasks() : Integer.parseInt(prop("tasks")));
        } catch (RuntimeException e) {
            throw new UserException("invalid sandbox limit in the purifybench.sandbox.* system properties (" + e.getMessage() + ")",
                    "see docs/architecture.md, section Sandbox, for the properties and their units");
        }
    }

    /** Whether -Dpurifybench.sandbox.wall sets the wall limit (else a run derives it from its matrix). */
    public static boolean wallGiven() {
        return prop("wall") != null;
    }

    /**
     * The default wall limit of one defense job in a matrix: ten times one training of the matrix's model
     * on its training set at a pessimistic speed for 2 busy cores (cnn-small 100 images/s, other
     * architectures 10; docs/performance.md measured 277 and 16-30), between 10 minutes and 24 hours.
     * A defense costs a few trainings at most (PAM: 3 rounds of 30 epochs on 5% of the data), so a job
     * past this is stuck, not slow; -Dpurifybench.sandbox.wall overrides it.
     */
    public static Duration matrixWall(long trainImages, int epochs, String architecture) {
        double imagesPerSecond = "cnn-small".equals(architecture) ? 100 : 10;
        long seconds = Math.round(10 * trainImages * (double) Math.max(1, epochs) / imagesPerSecond);
        return Duration.ofSeconds(Math.max(600, Math.min(24 * 3600, seconds)));
    }

    private static String prop(String name) {
        return System.getProperty("purifybench.sandbox." + name);
    }

    private static Duration duration(String s) {
        return s.startsWith("P") ? Duration.parse(s) : Duration.ofSeconds(Long.parseLong(s));
    }

    private static long bytes(String name, long fallback) {
        String v = prop(name);
        if (v == null) {
            return fallback;
        }
        v = v.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = switch (v.charAt(v.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> MB;
            case 'g' -> GB;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
    }
}
