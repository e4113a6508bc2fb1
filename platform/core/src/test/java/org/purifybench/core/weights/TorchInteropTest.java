package org.purifybench.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.spi.ImageShape;

/**
 * Weights move between PyTorch and PurifyBench both ways with the same function: real torchvision
 * (and our PreAct-ResNet-18: BackdoorBench's plus a final BatchNorm) models, saved by real {@code torch.save}, are imported
 * through the .pth reader and give PyTorch's logits here; the model exported as safetensors loads
 * back into PyTorch with every key and gives the same logits there. Needs /usr/bin/python3 with
 * torch and torchvision (Debian: python3-torchvision); skipped without them unless
 * PURIFYBENCH_REQUIRE_TORCH=1 (set by .ci/run, which installs them), then it fails.
 */
class TorchInteropTest {
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"preact-resnet18", "resnet18", "resnet50", "densenet161", "vgg19-bn"})
    void torchModelsImportAndExportWithTheirLogits(String arch) throws Exception {
        assumeTrue(torchAvailable(), "python3 with torch and torchvision not found (PURIFYBENCH_REQUIRE_TORCH=1 makes this a failure)");
        int classes = 10;
        int size = 32;
        python("make", arch, Integer.toString(classes), Integer.toString(size));
        ModelSpec spec = ModelSpec.of(arch, new ImageShape(3, size, size), classes, ModelSpec.defaultWidth(arch));

        WeightsStore store = new WeightsStore(dir.resolve("store"));
        WeightsStore.Entry entry = store.importFile(dir.resolve("model.pth"), spec);
        assertEquals(WeightsStore.sha256(dir.resolve("model.pth")), entry.sha256());
        StateDictMapper.Imported fit = StateDictMapper.toOurs(store.tensors(entry), spec, false);
        assertTrue(fit.unusedKeys().isEmpty(), "state-dict keys fed nothing: " + fit.unusedKeys());

        HostModel model = Engines.defaultEngine().create(spec, 1);
        Map<String, INDArray> all = model.snapshot();
        assertEquals(all.keySet(), fit.arrays().keySet(), "every array of ours comes from the file");
        model.restore(fit.arrays());
        INDArray input = Nd4j.create(floats(dir.resolve("input.bin")), new long[] {2, 3, size, size}, 'c');
        float[] ours = model.logits(input).dup('c').reshape(-1).toFloatVector();
        assertClose(floats(dir.resolve("logits.bin")), ours, arch + " imported");

        Path exported = dir.resolve("back.safetensors");
        Safetensors.write(exported, StateDictMapper.toTorch(model.snapshot(), spec), Map.of("arch", arch));
        python("check", arch, Integer.toString(classes), exported.toString());
        assertClose(ours, floats(dir.resolve("logits-back.bin")), arch + " exported");
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-3 * Math.max(1, scale),
                    what + ": logit " + i + " is " + actual[i] + ", PyTorch " + expected[i]);
        }
    }

    private void python(String... args) throws IOException, InterruptedException {
        Path script = dir.resolve("torch_interop.py");
        if (!Files.exists(script)) {
            try (var in = TorchInteropTest.class.getResourceAsStream("/interop/torch_interop.py")) {
                Files.copy(in, script);
            }
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, script.toString(), args[0], dir.toString()));
        cmd.addAll(List.of(args).subList(1, args.length));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "python timed out");
        assertEquals(0, p.exitValue(), "python " + String.join(" ", args) + " failed:\n" + out);
    }

    private static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static boolean torchAvailable() throws Exception {
        boolean present = false;
        if (Files.isExecutable(Path.of(PYTHON))) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
        }
        if (!present && "1".equals(System.getenv("PURIFYBENCH_REQUIRE_TORCH"))) {
            throw new AssertionError("PURIFYBENCH_REQUIRE_TORCH=1 but " + PYTHON + " cannot import torch and torchvision (apt-get install python3-torchvision)");
        }
        return present;
    }
}
