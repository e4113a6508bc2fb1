package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.core.UserException;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.weights.Safetensors;
import org.purifybench.core.weights.StateDictMapper;
import org.purifybench.core.weights.WeightsStore;
import org.purifybench.spi.ImageShape;

/** A matrix's pretrained backbone: loaded over the seeded model (the classifier of another class count kept), or the run refuses. */
class PretrainedBackboneTest {
    private static final ImageShape SHAPE = new ImageShape(3, 8, 8);

    @TempDir
    Path dir;

    @Test
    void theBackboneIsLoadedAndANewClassifierKeepsItsSeededWeights() throws Exception {
        ModelSpec imagenetLike = ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 7, 4);
        HostModel source = Engines.defaultEngine().create(imagenetLike, 11);
        Path file = dir.resolve("backbone.safetensors");
        Safetensors.write(file, StateDictMapper.toTorch(source.snapshot(), imagenetLike), Map.of());
        WeightsStore store = new WeightsStore(dir.resolve("store"));
        String sha = store.importFile(file, imagenetLike).sha256();

        ModelSpec target = ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4);
        MatrixSpec spec = matrix(sha.substring(0, 10));
        HostModel model = Engines.defaultEngine().create(target, 0);
        Map<String, INDArray> seeded = model.snapshot();
        List<String> log = new ArrayList<>();
        Prerequisites.loadPretrained(model, spec, store, log::add);
        Map<String, INDArray> loaded = model.snapshot();
        Map<String, INDArray> from = source.snapshot();
        for (String k : loaded.keySet()) {
            float[] now = loaded.get(k).dup().reshape(-1).toFloatVector();
            if (k.startsWith("fc_")) {
                assertArrayEquals(seeded.get(k).dup().reshape(-1).toFloatVector(), now, k + " keeps the seeded classifier");
            } else {
                assertArrayEquals(from.get(k).dup().reshape(-1).toFloatVector(), now, k + " comes from the backbone");
            }
        }
        assertTrue(log.get(0).contains("kept initialised: [fc_W, fc_b]"), log.toString());
        assertTrue(Prerequisites.weightsProblem(spec, store) == null);
    }

    @Test
    void missingWeightsStopTheRunNamingTheImportCommand() {
        WeightsStore empty = new WeightsStore(dir.resolve("none"));
        MatrixSpec spec = matrix("f37072fd");
        UserException e = assertThrows(UserException.class, () -> Prerequisites.loadPretrained(
                Engines.defaultEngine().create(ModelSpec.of(ModelSpec.CNN_SMALL, SHAPE, 4, 4), 0), spec, empty, s -> { }));
        assertTrue(e.fix().contains("purifybench weights import w.pth --arch cnn-small") && e.fix().contains("http://example/w.pth"), e.fix());
        assertFalse(Prerequisites.problems(spec, org.purifybench.core.data.SyntheticImages.generate(SHAPE, 4, 20, 8, 0), empty).isEmpty());
    }

    private static MatrixSpec matrix(String sha) {
        MatrixSpec base = MatrixSpec.profile("quick");
        return new MatrixSpec(base.name(), base.description(), base.dataset(), base.splits(),
                new MatrixSpec.ModelSpecYaml(ModelSpec.CNN_SMALL, 4, null, new MatrixSpec.PretrainedSpec(sha, "w.pth", "http://example/w.pth", "a test backbone")),
                base.training(), base.attacks(), base.poisonRates(), base.targetLabel(), base.defenses(), base.evaluators(), base.seeds(),
                base.approximations());
    }
}
