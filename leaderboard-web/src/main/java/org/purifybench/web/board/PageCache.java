package org.purifybench.web.board;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.purifybench.web.store.BoardVersionRepository;

/**
 * Computed leaderboards and defense pages, kept until the published data changes. The key holds
 * the database's board_version, which every import, publish and delete bumps in its own
 * transaction - also when another process (the CLI) writes - so a cached page is never stale;
 * the price is one one-row query per request. Least recently used entries go first.
 */
@Singleton
public class PageCache {

    private final BoardVersionRepository versions;
    private final boolean enabled;
    private final Map<List<Object>, Object> entries;

    public PageCache(BoardVersionRepository versions, @Value("${purifybench.cache.enabled:true}") boolean enabled,
                     @Value("${purifybench.cache.max-entries:256}") int maxEntries) {
        this.versions = versions;
        this.enabled = enabled;
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<Object>, Object> eldest) {
                return size() > maxEntries;
            }
        };
    }

    @SuppressWarnings("unchecked")
    public <T> T get(List<Object> key, Supplier<T> compute) {
        if (!enabled) {
            return compute.get();
        }
        List<Object> versioned = new java.util.ArrayList<>(key);
        versioned.add(versions.current());
        synchronized (entries) {
            Object hit = entries.get(versioned);
            if (hit != null) {
                return (T) hit;
            }
        }
        // Computed outside the lock: two requests may both compute a missing page; both get equal results.
        T value = compute.get();
        synchronized (entries) {
            entries.put(versioned, value);
        }
        return value;
    }
}
