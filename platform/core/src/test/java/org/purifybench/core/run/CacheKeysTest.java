package org.purifybench.core.run;

import org.purifybench.core.hash.Hashing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.spi.Params;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.data.Dataset;
import org.purifybench.core.data.SyntheticImages;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.spi.ImageShape;

/**
 * The model cache's keys: their entries (names and order) are what the cache on disk was written
 * with, so a cached model stays valid across a change of the runner (they changed once on purpose: a
 * model is keyed by the plug-in id and its bound parameters, defaults included, instead of the text of its setting).
 */
class CacheKeysTest {
    @Test
    void eachKeyExtendsTheOneItsModelIsBuiltFromWithTheEntriesTheCacheWasWrittenWith(@TempDir Path dir) throws Exception {
        MatrixSpec spec = MatrixSpec.load(Files.writeString(dir.resolve("plan.yaml"), CellPlanTest.SPEC));
        Dataset data = SyntheticImages.generate(new ImageShape(1, 12, 12), 4, 60, 20, 11);
        ModelSpec model = ModelSpec.of("cnn-small", data.shape(), data.numClasses(), 4);
        MatrixSpec.PluginRef attack = spec.attacks().get(0);
        MatrixSpec.PluginRef defense = spec.defenses().get(1);

        CacheKeys.Key clean = CacheKeys.clean(data, model, spec, 7);
        CacheKeys.Key backdoored = CacheKeys.backdoored(clean, attack, new PlanPlugins.Corner(), Params.empty(), 0.1, 0);
        CacheKeys.Key purified = CacheKeys.purified(backdoored, defense, new PlanPlugins.Oracle(), new Params(Map.of("rounds", 3)));

        List<String> cleanEntries = List.of("kind", "dataset", "datasetSource", "model", "training", "splits", "seed", "trainingCode");
        List<String> backdooredEntries = new java.util.ArrayList<>(cleanEntries);
        backdooredEntries.addAll(List.of("attack", "attackParams", "attackVersion", "attackCode", "poisonRate", "target"));
        List<String> purifiedEntries = new java.util.ArrayList<>(backdooredEntries);
        purifiedEntries.addAll(List.of("defense", "defenseParams", "defenseVersion", "defenseCode"));
        assertEquals(cleanEntries, List.copyOf(clean.description().keySet()));
        assertEquals(backdooredEntries, List.copyOf(backdoored.description().keySet()));
        assertEquals(purifiedEntries, List.copyOf(purified.description().keySet()));
        assertEquals(List.of("clean", "backdoored", "purified"),
                List.of(clean.description().get("kind"), backdoored.description().get("kind"), purified.description().get("kind")));
        assertEquals(7L, purified.description().get("seed"));
        assertEquals("oracle", purified.description().get("defense"));
        assertEquals(Map.of("rounds", 3), purified.description().get("defenseParams"), "the bound parameters, defaults included");

        assertEquals(Hashing.ofJson(purified.description()), purified.hash());
        assertNotEquals(backdoored.hash(), CacheKeys.backdoored(clean, attack, new PlanPlugins.Corner(), Params.empty(), 0.2, 0).hash());
        assertThrows(UnsupportedOperationException.class, () -> purified.description().put("x", 1), "a key cannot change after hashing");
        purified.describe().put("diagnostics", 1);
        assertEquals(purifiedEntries, List.copyOf(purified.description().keySet()), "a build adds to a copy");
    }
}
