package org.purifybench.cli;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Asks Slurm what submit and status need: whether a job still runs, and the largest array index it accepts. */
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

    /** The cluster's MaxArraySize (array indexes run from 0 to it minus 1), or empty when scontrol cannot say. */
    static java.util.OptionalInt maxArraySize() {
        try {
            Process p = new ProcessBuilder("scontrol", "show", "config").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return java.util.OptionalInt.empty();
            }
            return parseMaxArraySize(out);
        } catch (java.io.IOException e) {
            return java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    static java.util.OptionalInt parseMaxArraySize(String config) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^MaxArraySize\\s*=\\s*(\\d+)").matcher(config);
        return m.find() ? java.util.OptionalInt.of(Integer.parseInt(m.group(1))) : java.util.OptionalInt.empty();
    }
}
