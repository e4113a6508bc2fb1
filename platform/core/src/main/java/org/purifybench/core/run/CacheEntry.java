package org.purifybench.core.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.purifybench.core.UserException;
import org.purifybench.core.fingerprint.CodeVersion;
import org.purifybench.core.hash.Hashing;

/**
 * One checksummed cache entry on disk: a folder with a payload file and {@code entry.json}
 * (written last, atomically) holding the payload's SHA-256. An entry without {@code entry.json} is
 * incomplete (interrupted write), one whose checksum disagrees is corrupt: neither is ever used.
 */
final class CacheEntry {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum State { VALID, MISSING, CORRUPT }

    private CacheEntry() {
    }

    static State check(Path dir, String payload, String key, Consumer<String> log) {
        Path entry = dir.resolve("entry.json");
        if (!Files.exists(entry)) {
            return State.MISSING;
        }
        try {
            String expected = JSON.readTree(entry.toFile()).path("sha256").asText();
            if (expected.equals(Hashing.ofFile(dir.resolve(payload)))) {
                return State.VALID;
            }
            log.accept("cache entry " + key + " is corrupt (checksum mismatch): rebuilding it");
        } catch (IOException | RuntimeException e) {
            log.accept("cache entry " + key + " is unreadable (" + e.getMessage() + "): rebuilding it");
        }
        return State.CORRUPT;
    }

    /** The sealed description of a valid entry, without its checksum and builder. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> description(Path dir) {
        try {
            Map<String, Object> meta = JSON.readValue(dir.resolve("entry.json").toFile(), LinkedHashMap.class);
            meta.remove("sha256");
            meta.remove("builtBy");
            return meta;
        } catch (IOException e) {
            return null;
        }
    }

    /** Seals an entry whose payload was written into {@code dir}; {@code description} says what it is. */
    static void seal(Path dir, String payload, Map<String, Object> description) {
        try {
            Map<String, Object> meta = new LinkedHashMap<>(description);
            meta.put("sha256", Hashing.ofFile(dir.resolve(payload)));
            // The key holds code fingerprints, not the commit: record which commit built it.
            meta.put("builtBy", CodeVersion.get());
            Path tmp = dir.resolve("entry.json.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), meta);
            Files.move(tmp, dir.resolve("entry.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UserException("cannot write cache entry " + dir + ": " + e.getMessage(), "free disk space or choose another --work-dir");
        }
    }

    static void createRoot(Path root, String what) {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UserException("cannot create the " + what + " folder " + root + ": " + e.getMessage(),
                    "choose a writable folder with --work-dir");
        }
        if (!Files.isWritable(root)) {
            throw new UserException("the " + what + " folder " + root + " is not writable", "choose a writable folder with --work-dir");
        }
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A leftover file is overwritten by the rebuild anyway.
        }
    }
}
