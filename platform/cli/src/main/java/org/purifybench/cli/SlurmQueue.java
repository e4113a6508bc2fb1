package org.purifybench.cli;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Asks Slurm whether a job is still queued or running, so status can tell a killed task from a running one. */
final class SlurmQueue {
    private SlurmQueue() {
    }

    /** Whether {@code job} ({@code 1234} or {@code 1234_5}) is queued or running; empty when Slurm cannot be asked here. */
    static Optional<Boolean> alive(String job) {
        try {
            Process p = new ProcessBuilder("squeue", "-h", "-o", "%i", "-j", job).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            if (out.contains("Invalid job id")) {
                return Optional.of(false);
            }
            return p.exitValue() == 0 ? Optional.of(!out.isEmpty()) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
