package org.purifybench.core.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ModelIO;
import org.purifybench.core.model.SdModel;

/**
 * Trained models on disk, keyed by a hash of everything that determines them, so that N defenses
 * share one backdoor training and a killed run resumes. An entry is {@code KEY/model.pbm} plus
 * {@code KEY/entry.json} (written last) holding the model file's SHA-256: an entry without it is
 * incomplete, one whose checksum disagrees is corrupt; both are rebuilt, never used.
 */
public final class ModelCache {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;
    private final Consumer<String> log;

    public ModelCache(Path root, Consumer<String> log) {
        this.root = root;
        this.log = log;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UserException("cannot create the model cache folder " + root + ": " + e.getMessage(),
                    "choose a writable folder with --work-dir");
        }
        if (!Files.isWritable(root)) {
            throw new UserException("the model cache folder " + root + " is not writable", "choose a writable folder with --work-dir");
        }
    }

    /** Outcome of a lookup, for logs and tests. */
    public enum Outcome { HIT, MISS, REBUILT_CORRUPT }

    public record Result(SdModel model, Outcome outcome) {
    }

    public Result getOrBuild(String key, Map<String, Object> description, Supplier<SdModel> build) {
        Path dir = root.resolve(key);
        Path modelFile = dir.resolve("model.pbm");
        Path entry = dir.resolve("entry.json");
        Outcome outcome = Outcome.MISS;
        if (Files.exists(entry)) {
            try {
                String expected = JSON.readTree(entry.toFile()).path("sha256").asText();
                if (expected.equals(Hashing.ofFile(modelFile))) {
                    return new Result(ModelIO.load(modelFile), Outcome.HIT);
                }
                log.accept("cache entry " + key + " is corrupt (checksum mismatch): rebuilding it");
            } catch (IOException | RuntimeException e) {
                log.accept("cache entry " + key + " is unreadable (" + e.getMessage() + "): rebuilding it");
            }
            outcome = Outcome.REBUILT_CORRUPT;
        }
        deleteQuietly(dir);
        SdModel model = build.get();
        store(dir, model, description);
        return new Result(model, outcome);
    }

    private void store(Path dir, SdModel model, Map<String, Object> description) {
        try {
            Files.createDirectories(dir);
            Path modelFile = dir.resolve("model.pbm");
            ModelIO.save(model, modelFile);
            Map<String, Object> meta = new java.util.LinkedHashMap<>(description);
            meta.put("sha256", Hashing.ofFile(modelFile));
            // The key holds code fingerprints, not the commit: record which commit trained it.
            meta.put("builtBy", CodeVersion.get());
            Path tmp = dir.resolve("entry.json.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), meta);
            Files.move(tmp, dir.resolve("entry.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UserException("cannot write cache entry " + dir + ": " + e.getMessage(), "free disk space or choose another --work-dir");
        }
    }

    private static void deleteQuietly(Path dir) {
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
