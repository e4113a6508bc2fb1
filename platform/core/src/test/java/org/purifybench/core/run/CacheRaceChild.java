package org.purifybench.core.run;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A second process for {@link CacheRaceTest}: gets artefact "race" from the cache under ROOT,
 * building it (a line appended to MARKER, then SLEEP_MS of work) when missing, and prints what it got.
 */
public final class CacheRaceChild {
    private CacheRaceChild() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path marker = Path.of(args[1]);
        long sleep = Long.parseLong(args[2]);
        byte[] got = new ArtefactCache(root, line -> System.out.println("log: " + line)).storeFor(Map.of("test", "race")).getOrCompute("race", () -> {
            try {
                Files.writeString(marker, "built by " + ProcessHandle.current().pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Thread.sleep(sleep);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return ("payload of " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
        });
        System.out.println("got: " + new String(got, StandardCharsets.UTF_8));
    }
}
