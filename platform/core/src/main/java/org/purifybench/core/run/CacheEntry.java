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

    /** Reads a valid entry's payload. */
    interface Reader<T> {
        T read(Path payload) throws IOException;
    }

    /** Writes a built payload. */
    interface Writer<T> {
        void write(T value, Path payload) throws IOException;
    }

    /** What {@link #getOrBuild} found and did. */
    record Built<T>(T value, State found) {
    }

    /**
     * The entry {@code key} under {@code root}: read when valid, else built, written and sealed under an
     * exclusive lock, so processes sharing a work folder (a cluster's tasks on NFS, parallel cells in one
     * JVM) build each entry once: a second builder waits and then reads the first one's entry. The build
     * goes to a private folder renamed into place only when sealed, so a reader never sees a half entry
     * and a killed builder leaves no entry (its lock dies with it; its partial folder is removed by the
     * next builder).
     */
    static <T> Built<T> getOrBuild(Path root, String key, String payload, Consumer<String> log, Reader<T> reader,
                                   java.util.function.Supplier<T> build, Writer<T> writer,
                                   java.util.function.Supplier<Map<String, Object>> description) {
        Path dir = root.resolve(key);
        State state = check(dir, payload, key, log);
        if (state == State.VALID) {
            T value = readOrNull(dir, payload, key, reader, log);
            if (value != null) {
                return new Built<>(value, State.VALID);
            }
            state = State.CORRUPT;
        }
        try (EntryLock lock = EntryLock.acquire(root, key, log)) {
            // another process may have built it while this one waited (what was wrong with the entry is logged already)
            if (check(dir, payload, key, line -> { }) == State.VALID) {
                T value = readOrNull(dir, payload, key, reader, log);
                if (value != null) {
                    return new Built<>(value, State.VALID);
                }
            }
            deletePartials(root, key);
            T value = build.get();
            Path partial = root.resolve(key + PARTIAL + ProcessHandle.current().pid() + "-" + System.nanoTime());
            try {
                Files.createDirectories(partial);
                writer.write(value, partial.resolve(payload));
                seal(partial, payload, description.get());
                delete(dir);
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                delete(partial);
                throw new UserException("cannot write cache entry " + dir + ": " + e.getMessage(), "free disk space or choose another --work-dir");
            }
            return new Built<>(value, state);
        }
    }

    private static final String PARTIAL = ".partial-";

    private static <T> T readOrNull(Path dir, String payload, String key, Reader<T> reader, Consumer<String> log) {
        try {
            return reader.read(dir.resolve(payload));
        } catch (IOException | RuntimeException e) {
            log.accept("cache entry " + key + " does not load (" + e.getMessage() + "): rebuilding it");
            return null;
        }
    }

    /** Folders a killed builder of {@code key} left; only called under the entry's lock. */
    private static void deletePartials(Path root, String key) {
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> p.getFileName().toString().startsWith(key + PARTIAL)).forEach(CacheEntry::delete);
        } catch (IOException ignored) {
            // a leftover partial folder is only wasted space
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
