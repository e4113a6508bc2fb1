package org.purifybench.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The cluster's MaxArraySize (array indexes run from 0 to it minus 1), or empty when scontrol cannot say. */
    static OptionalInt maxArraySize() {
        try {
            Process p = new ProcessBuilder("scontrol", "show", "config").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return OptionalInt.empty();
            }
            return parseMaxArraySize(out);
        } catch (IOException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    private static final Pattern MAX_ARRAY_SIZE = Pattern.compile("(?m)^MaxArraySize\\s*=\\s*(\\d+)");

    static OptionalInt parseMaxArraySize(String config) {
        Matcher m = MAX_ARRAY_SIZE.matcher(config);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }
}
