package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.run.MatrixRunner;
import org.purifybench.core.run.ModelCache;
import org.purifybench.core.run.RunTasks;
import org.purifybench.core.weights.Safetensors;
import org.purifybench.core.weights.StateDictMapper;

/** weights export writes a run's trained model with PyTorch's names; weights import takes it back into the store; list shows it. */
class WeightsCliTest {
    @TempDir
    Path dir;

    @Test
    void aTrainedModelIsExportedImportedAndListed() throws Exception {
        String yaml = MatrixRunnerTest.TINY.replace("defenses: [{id: none}, {id: clean}, {id: ft, params: {epochs: 1}}, {id: ep, params: {epochs: 1}}]",
                "defenses: [{id: none}, {id: clean}]").replace(
                "evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}, {id: lmc, params: {points: 3}}]",
                "evaluators: [{id: accuracy}]");
        Path matrix = Files.writeString(dir.resolve("tiny.yaml"), yaml);
        Path work = dir.resolve("work");
        Result run = PluginJarsCliTest.run("--work-dir", work.toString(), "run", "--matrix", matrix.toString(), "--quiet");
        assertEquals(0, run.code(), run.err());
        org.purifybench.core.run.MatrixSpec spec = org.purifybench.core.run.MatrixSpec.load(matrix);
        String runId = MatrixRunner.runId(spec);

        Result listing = PluginJarsCliTest.run("--work-dir", work.toString(), "weights", "export", runId);
        assertEquals(0, listing.code(), listing.err());
        assertTrue(listing.out().contains("clean-s0\tcached"), listing.out());

        Path out = dir.resolve("clean.safetensors");
        Result export = PluginJarsCliTest.run("--work-dir", work.toString(), "weights", "export", runId, "clean-s0", "--out", out.toString());
        assertEquals(0, export.code(), export.err());
        Safetensors.Contents written = Safetensors.read(out);
        assertEquals("cnn-small", written.metadata().get("arch"));

        // The file holds the cached model's numbers under PyTorch's layout.
        RunTasks.TrainTask clean = new MatrixRunner(org.purifybench.core.plugin.PluginRegistry.fromClasspath(),
                new org.purifybench.core.host.DefaultHost(false, System.err), work).tasks(spec, MatrixRunner.dataset(spec)).train().get(0);
        HostModel cached = new ModelCache(work.resolve("cache"), s -> { }).require(clean.key(), "clean", "-");
        Map<String, INDArray> back = StateDictMapper.toOurs(written.tensors(), cached.spec(), false).arrays();
        for (Map.Entry<String, INDArray> e : cached.snapshot().entrySet()) {
            assertArrayEquals(e.getValue().dup().reshape(-1).toFloatVector(), back.get(e.getKey()).dup().reshape(-1).toFloatVector(), e.getKey());
        }

        Path store = dir.resolve("store");
        Result imported = PluginJarsCliTest.run("weights", "import", out.toString(), "--arch", "cnn-small", "--width", "4", "--classes",
                Integer.toString(cached.spec().numClasses()), "--input", "1x28x28", "--weights-dir", store.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().contains("pretrained: {sha256: "), imported.out());
        Result list = PluginJarsCliTest.run("weights", "list", "--weights-dir", store.toString());
        assertTrue(list.out().contains("1 file(s)") && list.out().contains("cnn-small  clean.safetensors"), list.out());

        Result wrongArch = PluginJarsCliTest.run("weights", "import", out.toString(), "--arch", "resnet18", "--weights-dir", store.toString());
        assertEquals(1, wrongArch.code());
        assertTrue(wrongArch.err().startsWith("error: the weights do not fit resnet18"), wrongArch.err());
        assertEquals(ModelSpec.CNN_SMALL, cached.spec().architecture());
    }
}
