package org.purifybench.core.run;

import org.purifybench.core.fingerprint.CodeFingerprint;
import org.purifybench.core.hash.Hashing;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.plugin.JarDefense;
import org.purifybench.spi.Attack;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Params;

/**
 * The model cache's keys: everything that determines a clean, backdoored or purified model. Each
 * key extends the one its model is built from, so a change to the clean model's settings reaches
 * every model trained from it. The entries' names and order are part of the hash: changing them
 * invalidates every cached model, so they only ever change on purpose.
 */
public final class CacheKeys {
    private CacheKeys() {
    }

    /**
     * A model's key: the description sealed with its cache entry and the hash that names the entry.
     * The description is unmodifiable; {@link #describe()} gives a copy a build may add to.
     */
    public record Key(Map<String, Object> description, String hash) {
        private static Key of(Map<String, Object> description) {
            return new Key(Collections.unmodifiableMap(description), Hashing.ofJson(description));
        }

        /** A mutable copy of the description, for a build to add what it reports (a defense's diagnostics). */
        public Map<String, Object> describe() {
            return new LinkedHashMap<>(description);
        }
    }

    /** The clean model of {@code seed}: trained on the attacker's split without poison. */
    public static Key clean(Dataset dataset, ModelSpec modelSpec, MatrixSpec spec, long seed) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("kind", "clean");
        key.put("dataset", dataset.name());
        key.put("datasetSource", dataset.source());
        key.put("model", modelSpec);
        key.put("training", spec.training());
        key.put("splits", spec.splitConfig());
        key.put("seed", seed);
        key.put("trainingCode", CodeFingerprint.training());
        if (spec.model().pretrained() != null) {
            // Only when set, so keys from before pretrained backbones existed stay valid.
            key.put("pretrained", spec.model().pretrained().sha256());
        }
        if (spec.engine() != null) {
            // Only off the default engine, so that keys (and hours of cached training) from before engines existed stay valid.
            key.put("engine", spec.engine().id() + "@" + spec.engine().device());
            key.put("engineCode", CodeFingerprint.ofPlugin(Engines.provider(spec.engine().id()).getClass()));
        }
        return Key.of(key);
    }

    /**
     * The backdoored model of a cell: the clean model's key plus the attack with its bound parameters
     * (defaults included, so settings that run the same share a model), its code, the poison rate and the target.
     */
    public static Key backdoored(Key clean, MatrixSpec.PluginRef attackRef, Attack attack, Params attackParams, double rate, int target) {
        Map<String, Object> key = clean.describe();
        key.put("kind", "backdoored");
        key.put("attack", attackRef.id());
        key.put("attackParams", attackParams.asMap());
        key.put("attackVersion", attack.descriptor().version());
        key.put("attackCode", CodeFingerprint.ofPlugin(attack.getClass()));
        key.put("poisonRate", rate);
        key.put("target", target);
        return Key.of(key);
    }

    /** A defense's model in a cell: the backdoored model's key plus the defense with its bound parameters, and its code. */
    public static Key purified(Key backdoored, MatrixSpec.PluginRef defenseRef, Defense defense, Params defenseParams) {
        Map<String, Object> key = backdoored.describe();
        key.put("kind", "purified");
        key.put("defense", defenseRef.id());
        key.put("defenseParams", defenseParams.asMap());
        key.put("defenseVersion", defense.descriptor().version());
        // a jar defense's class is never loaded here: its code is read from the jar
        key.put("defenseCode", defense instanceof JarDefense jd ? CodeFingerprint.ofPlugin(jd.jar(), jd.className())
                : CodeFingerprint.ofPlugin(defense.getClass()));
        return Key.of(key);
    }
}
