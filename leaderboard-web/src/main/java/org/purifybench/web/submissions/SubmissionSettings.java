package org.purifybench.web.submissions;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code purifybench.submissions.*} in application.yml. Submissions are off unless enabled: an
 * uploaded jar's code runs only in the sandbox's child JVM (the CLI reads the jar as data), but the
 * sandbox is not a perfect boundary (docs/leaderboard.md "Submitting on the website", docs/architecture.md "Sandbox": not covered).
 */
@Singleton
public class SubmissionSettings {
    private final boolean enabled;
    private final String cli;
    private final Path dataDir;
    private final String profile;
    private final @Nullable Path matrix;
    private final Duration runTimeout;
    private final Duration admitTimeout;
    private final int workers;
    private final int maxQueuedPerSubmitter;
    private final long maxJarBytes;
    private final int maxAttempts;
    private final Duration pollInterval;
    private final long maxStoredJarBytes;
    private final int maxUploadsPerHourPerAddress;

    public SubmissionSettings(@Value("${purifybench.submissions.enabled:false}") boolean enabled,
                              @Value("${purifybench.submissions.cli:./purifybench}") String cli,
                              @Value("${purifybench.submissions.data-dir:./work/website}") String dataDir,
                              @Value("${purifybench.submissions.profile:quick}") String profile,
                              @Value("${purifybench.submissions.matrix:}") String matrix,
                              @Value("${purifybench.submissions.run-timeout:2h}") Duration runTimeout,
                              @Value("${purifybench.submissions.admit-timeout:2m}") Duration admitTimeout,
                              @Value("${purifybench.submissions.workers:1}") int workers,
                              @Value("${purifybench.submissions.max-queued-per-submitter:2}") int maxQueuedPerSubmitter,
                              @Value("${purifybench.submissions.max-jar-bytes:52428800}") long maxJarBytes,
                              @Value("${purifybench.submissions.max-attempts:3}") int maxAttempts,
                              @Value("${purifybench.submissions.poll-interval:5s}") Duration pollInterval,
                              @Value("${purifybench.submissions.max-stored-jar-bytes:2147483648}") long maxStoredJarBytes,
                              @Value("${purifybench.submissions.max-uploads-per-hour-per-address:6}") int maxUploadsPerHourPerAddress) {
        if (!profile.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("purifybench.submissions.profile '" + profile + "' is not a profile name");
        }
        if (workers < 1 || maxQueuedPerSubmitter < 1 || maxJarBytes < 1 || maxAttempts < 1 || maxStoredJarBytes < 1
                || maxUploadsPerHourPerAddress < 1) {
            throw new IllegalArgumentException("purifybench.submissions: workers, max-queued-per-submitter, max-jar-bytes,"
                    + " max-attempts, max-stored-jar-bytes and max-uploads-per-hour-per-address must be at least 1");
        }
        this.enabled = enabled;
        this.cli = cli;
        this.dataDir = Path.of(dataDir).toAbsolutePath().normalize();
        this.profile = profile;
        this.matrix = matrix == null || matrix.isBlank() ? null : Path.of(matrix).toAbsolutePath().normalize();
        this.runTimeout = runTimeout;
        this.admitTimeout = admitTimeout;
        this.workers = workers;
        this.maxQueuedPerSubmitter = maxQueuedPerSubmitter;
        this.maxJarBytes = maxJarBytes;
        this.maxAttempts = maxAttempts;
        this.pollInterval = pollInterval;
        this.maxStoredJarBytes = maxStoredJarBytes;
        this.maxUploadsPerHourPerAddress = maxUploadsPerHourPerAddress;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The PurifyBench command (the repository's ./purifybench launcher, or a wrapper with the same arguments). */
    public String cli() {
        return cli;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where each submission's files live: the jar, the admission verdict, the logs. */
    public Path submissionDir(String id) {
        return dataDir.resolve("submissions").resolve(id);
    }

    /** The CLI's --work-dir for every submission's run: one model cache for all, one run folder each. */
    public Path workDir() {
        return dataDir.resolve("work");
    }

    public Path incomingDir() {
        return dataDir.resolve("incoming");
    }

    /** Given as --submissions so that a run loads the built-in plug-ins and this one jar, nothing else. */
    public Path emptySubmissionsDir() {
        return dataDir.resolve("no-other-jars");
    }

    public String profile() {
        return profile;
    }

    /** A matrix file to run instead of the profile (its defenses are replaced all the same). */
    public @Nullable Path matrix() {
        return matrix;
    }

    public Duration runTimeout() {
        return runTimeout;
    }

    public Duration admitTimeout() {
        return admitTimeout;
    }

    public int workers() {
        return workers;
    }

    public int maxQueuedPerSubmitter() {
        return maxQueuedPerSubmitter;
    }

    public long maxJarBytes() {
        return maxJarBytes;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** The storage quota: the sum of the sizes of the jars the server keeps (refused, failed and cancelled ones are deleted). */
    public long maxStoredJarBytes() {
        return maxStoredJarBytes;
    }

    /** Uploads stored per client address in any hour (a flood from one address, whatever contact it types). */
    public int maxUploadsPerHourPerAddress() {
        return maxUploadsPerHourPerAddress;
    }
}
