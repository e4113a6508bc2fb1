package org.purifybench.core.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.purifybench.core.hash.Hashing;
import org.purifybench.spi.ArtefactStore;

/**
 * What plug-ins learn while preparing (SSBA's encoder), on disk next to the models and with the
 * same guarantees ({@link CacheEntry}): an entry is {@code artefacts/HASH/artefact.bin}, where HASH
 * covers the context's key (everything that determines the plug-in's inputs) and the entry name.
 */
public final class ArtefactCache {
    private static final String PAYLOAD = "artefact.bin";
    private final Path root;
    private final Consumer<String> log;

    public ArtefactCache(Path root, Consumer<String> log) {
        this.root = root;
        this.log = log;
        CacheEntry.createRoot(root, "artefact cache");
    }

    /** The store a plug-in gets for one context, keyed by {@code contextKey}. */
    public ArtefactStore storeFor(Map<String, Object> contextKey) {
        return (name, compute) -> {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("an artefact needs a name");
            }
            Map<String, Object> key = new LinkedHashMap<>(contextKey);
            key.put("kind", "artefact");
            key.put("artefact", name);
            String hash = Hashing.ofJson(key);
            return CacheEntry.getOrBuild(root, hash, PAYLOAD, log, Files::readAllBytes, () -> {
                byte[] bytes = compute.get();
                if (bytes == null) {
                    throw new IllegalStateException("artefact '" + name + "' was computed as null; return the bytes to cache");
                }
                return bytes;
            }, (bytes, file) -> Files.write(file, bytes), () -> key).value();
        };
    }
}
