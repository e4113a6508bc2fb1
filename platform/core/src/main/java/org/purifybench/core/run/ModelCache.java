package org.purifybench.core.run;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.ModelIO;
import org.purifybench.core.model.HostModel;

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
    private final ComputeEngine engine;

    /** A cache whose models are loaded into the default engine. */
    public ModelCache(Path root, Consumer<String> log) {
        this(root, log, Engines.defaultEngine());
    }

    /** A cache whose models are loaded into {@code engine} (files hold only numbers: any engine reads any entry). */
    public ModelCache(Path root, Consumer<String> log, ComputeEngine engine) {
        this.root = root;
        this.log = log;
        this.engine = engine;
        CacheEntry.createRoot(root, "model cache");
    }

    /** Outcome of a lookup, for logs and tests. */
    public enum Outcome { HIT, MISS, REBUILT_CORRUPT }

    public record Result(HostModel model, Outcome outcome) {
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

    /** Whether a sealed entry exists for {@code key} (its checksum is checked when it is read, not here). */
    public boolean contains(String key) {
        return java.nio.file.Files.exists(root.resolve(key).resolve("entry.json"));
    }

    /**
     * The cached model for {@code key}, else {@code build}'s, sealed with {@code description}: a
     * build may add entries to a mutable description (e.g. a defense's diagnostics) before it is sealed.
     */
    public Result getOrBuild(String key, Map<String, Object> description, Supplier<HostModel> build) {
        CacheEntry.Built<HostModel> built = CacheEntry.getOrBuild(root, key, PAYLOAD, log, file -> ModelIO.load(file, engine), build,
                (model, file) -> ModelIO.save(model, file), () -> description);
        return new Result(built.value(), switch (built.found()) {
            case VALID -> Outcome.HIT;
            case MISSING -> Outcome.MISS;
            case CORRUPT -> Outcome.REBUILT_CORRUPT;
        });
    }

    /**
     * The cached model for {@code key}, or a clear error when the entry is missing: for a cluster's
     * evaluation tasks, which must never train a model that belongs to the training stage.
     */
    public HostModel require(String key, String what, String fix) {
        return getOrBuild(key, Map.of(), () -> {
            throw new UserException(what + " is not in the work folder's model cache (entry " + root.resolve(key) + ")", fix);
        }).model();
    }
}
