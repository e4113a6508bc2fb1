package org.purifybench.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ModelIO;
import org.purifybench.core.model.SdModel;

/**
 * Trained models on disk, keyed by a hash of everything that determines them, so that N defenses
 * share one backdoor training and a killed run resumes. An entry is {@code KEY/model.pbm} plus
 * its checksummed {@code KEY/entry.json} ({@link CacheEntry}): incomplete or corrupt entries are
 * rebuilt, never used.
 */
public final class ModelCache {
    private static final String PAYLOAD = "model.pbm";
    private final Path root;
    private final Consumer<String> log;

    public ModelCache(Path root, Consumer<String> log) {
        this.root = root;
        this.log = log;
        CacheEntry.createRoot(root, "model cache");
    }

    /** Outcome of a lookup, for logs and tests. */
    public enum Outcome { HIT, MISS, REBUILT_CORRUPT }

    public record Result(SdModel model, Outcome outcome) {
    }

    /**
     * The description sealed with a valid entry (what {@link #getOrBuild} was given, as its build
     * left it), or null when the entry is missing or invalid. Reads no model.
     */
    public Map<String, Object> description(String key) {
        Path dir = root.resolve(key);
        if (CacheEntry.check(dir, PAYLOAD, key, log) != CacheEntry.State.VALID) {
            return null;
        }
        return CacheEntry.description(dir);
    }

    /**
     * The cached model for {@code key}, else {@code build}'s, sealed with {@code description}: a
     * build may add entries to a mutable description (e.g. a defense's diagnostics) before it is sealed.
     */
    public Result getOrBuild(String key, Map<String, Object> description, Supplier<SdModel> build) {
        Path dir = root.resolve(key);
        CacheEntry.State state = CacheEntry.check(dir, PAYLOAD, key, log);
        if (state == CacheEntry.State.VALID) {
            try {
                return new Result(ModelIO.load(dir.resolve(PAYLOAD)), Outcome.HIT);
            } catch (IOException | RuntimeException e) {
                log.accept("cache entry " + key + " does not load (" + e.getMessage() + "): rebuilding it");
                state = CacheEntry.State.CORRUPT;
            }
        }
        CacheEntry.delete(dir);
        SdModel model = build.get();
        try {
            Files.createDirectories(dir);
            ModelIO.save(model, dir.resolve(PAYLOAD));
        } catch (IOException e) {
            throw new UserException("cannot write cache entry " + dir + ": " + e.getMessage(), "free disk space or choose another --work-dir");
        }
        CacheEntry.seal(dir, PAYLOAD, description);
        return new Result(model, state == CacheEntry.State.MISSING ? Outcome.MISS : Outcome.REBUILT_CORRUPT);
    }
}
