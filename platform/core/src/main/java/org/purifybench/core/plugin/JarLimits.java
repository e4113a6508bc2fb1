package org.purifybench.core.plugin;

/**
 * The limits a plug-in jar must stay within to be admitted (all in one place). Sizes are bytes.
 *
 * @param maxJarBytes          size of the jar file itself
 * @param maxEntries           entries in its central directory (directories count)
 * @param maxEntryBytes        inflated bytes of one entry, counted while inflating (declared sizes are not trusted)
 * @param maxTotalBytes        inflated bytes of all entries together
 * @param maxRatio             inflated / compressed bytes, per entry and for the whole jar
 * @param ratioFloorBytes      an entry (or the jar) smaller than this when inflated is never refused for its ratio
 *                             (a few KB of repetitive text legitimately compress more than 100:1)
 * @param maxNameLength        characters of an entry name
 * @param maxDescriptorBytes   the descriptor file and each services file
 */
public record JarLimits(long maxJarBytes, int maxEntries, long maxEntryBytes, long maxTotalBytes, double maxRatio,
                        long ratioFloorBytes, int maxNameLength, int maxDescriptorBytes) {
    private static final long MB = 1024L * 1024L;

    /** 50 MB jar, 10,000 entries, 50 MB per entry and 200 MB in all inflated, ratio 100 above 1 MB. */
    public static final JarLimits DEFAULTS = new JarLimits(50 * MB, 10_000, 50 * MB, 200 * MB, 100, MB, 1024, 64 * 1024);

    public JarLimits {
        if (maxJarBytes <= 0 || maxEntries <= 0 || maxEntryBytes <= 0 || maxTotalBytes <= 0 || maxRatio <= 1
                || ratioFloorBytes < 0 || maxNameLength <= 0 || maxDescriptorBytes <= 0) {
            throw new IllegalArgumentException("jar limits must be positive (ratio above 1)");
        }
    }

    public JarLimits withMaxEntries(int n) {
        return new JarLimits(maxJarBytes, n, maxEntryBytes, maxTotalBytes, maxRatio, ratioFloorBytes, maxNameLength, maxDescriptorBytes);
    }

    public JarLimits withMaxJarBytes(long n) {
        return new JarLimits(n, maxEntries, maxEntryBytes, maxTotalBytes, maxRatio, ratioFloorBytes, maxNameLength, maxDescriptorBytes);
    }

    public JarLimits withMaxTotalBytes(long n) {
        return new JarLimits(maxJarBytes, maxEntries, maxEntryBytes, n, maxRatio, ratioFloorBytes, maxNameLength, maxDescriptorBytes);
    }
}
