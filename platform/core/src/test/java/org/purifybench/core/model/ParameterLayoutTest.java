package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ParameterLayout.Kind;
import org.purifybench.core.model.ParameterLayout.TorchParameter;
import org.purifybench.spi.ImageShape;

/**
 * The torchvision architectures at their default width are exactly torchvision's: the same
 * parameter count and the same state-dict keys and shapes. The expected key lists under
 * src/test/resources/torchvision/ were written once with torch 1.13 / torchvision 0.14 by
 * <pre>
 * /usr/bin/python3 -c "
 * import torchvision.models as m
 * for n in ['resnet18','resnet50','densenet161','vgg19_bn']:
 *     sd = getattr(m, n)().state_dict()
 *     open(n + '.txt', 'w').write(''.join(k + ' ' + ','.join(str(d) for d in v.shape) + '\n' for k, v in sd.items()))
 * "
 * </pre>
 */
class ParameterLayoutTest {
    private static final ImageShape IMAGENET = new ImageShape(3, 224, 224);

    private static ModelSpec imagenet(String arch) {
        return ModelSpec.of(arch, IMAGENET, 1000, ModelSpec.defaultWidth(arch));
    }

    @ParameterizedTest
    @CsvSource({"resnet18, 11689512", "resnet50, 25557032", "densenet161, 28681000", "vgg19-bn, 143678248"})
    void defaultWidthsHaveTorchvisionsPublishedParameterCounts(String arch, long expected) {
        assertEquals(expected, ParameterLayout.parameterCount(imagenet(arch)));
    }

    /**
     * BackdoorBench's PreActResNet18 (models/preact_resnet.py at 3f4b1a9, 10 classes) has 11,171,146
     * parameters; ours has a final BN + ReLU before the pool that theirs lacks: 2 x 512 more.
     */
    @Test
    void preActResNet18IsBackdoorBenchsPlusTheFinalBatchNorm() {
        ModelSpec spec = ModelSpec.of(ModelSpec.PREACT_RESNET18, new ImageShape(3, 32, 32), 10, 64);
        assertEquals(11_171_146L + 2 * 512, ParameterLayout.parameterCount(spec));
        List<String> keys = ParameterLayout.of(spec).stream().map(TorchParameter::torchKey).toList();
        assertEquals("conv1.weight", keys.get(0));
        assertTrue(keys.containsAll(List.of("layer1.0.bn1.weight", "layer1.0.conv1.weight", "layer1.0.bn2.running_var",
                "layer1.0.conv2.weight", "layer2.0.shortcut.0.weight", "bn.weight", "linear.weight", "linear.bias")), keys.toString());
        assertTrue(keys.stream().noneMatch(k -> k.startsWith("layer1.0.shortcut")), "layer1 keeps the identity shortcut");
    }

    @ParameterizedTest
    @CsvSource({"resnet18, resnet18", "resnet50, resnet50", "densenet161, densenet161", "vgg19-bn, vgg19_bn"})
    void keysAndShapesAreTorchvisionsStateDict(String arch, String resource) throws IOException {
        ModelSpec spec = imagenet(arch);
        List<String> expected = lines(resource);
        List<String> ignored = ParameterLayout.ignoredTorchKeys(spec);
        List<String> ours = new ArrayList<>();
        for (TorchParameter p : ParameterLayout.of(spec)) {
            ours.add(p.torchKey() + " " + Arrays.stream(p.torchShape()).mapToObj(Long::toString).collect(Collectors.joining(",")));
        }
        List<String> theirs = expected.stream().filter(l -> !ignored.contains(l.split(" ")[0])).toList();
        assertEquals(theirs, ours);
        assertEquals(expected.size(), ours.size() + ignored.size(), "every ignored key is a num_batches_tracked of the state dict");
        assertTrue(ignored.stream().allMatch(k -> k.endsWith(".num_batches_tracked")));
    }

    @Test
    void namesShapesAndKindsMatchTheEnginesConventions() {
        List<TorchParameter> l = ParameterLayout.of(imagenet(ModelSpec.VGG19_BN));
        TorchParameter conv = l.get(0);
        assertEquals("conv0_W", conv.name());
        assertEquals(Kind.CONV, conv.kind());
        assertArrayEquals(new long[] {3, 3, 3, 64}, conv.shape());
        assertArrayEquals(new long[] {64, 3, 3, 3}, conv.torchShape());
        assertEquals("conv0_b", l.get(1).name());
        assertEquals("features.0.bias", l.get(1).torchKey());
        TorchParameter rmean = l.get(4);
        assertEquals("bn1_rmean", rmean.name());
        assertTrue(rmean.state());
        assertArrayEquals(new long[] {1, 64, 1, 1}, rmean.shape());
        TorchParameter fc = l.get(l.size() - 2);
        assertEquals("fc_W", fc.name());
        assertEquals("classifier.6.weight", fc.torchKey());
        assertEquals(Kind.DENSE, fc.kind());
        assertArrayEquals(new long[] {4096, 1000}, fc.shape());
        assertArrayEquals(new long[] {1000, 4096}, fc.torchShape());
    }

    @Test
    void theLayoutNamesWhatTheEngineCreates() {
        ModelSpec spec = ModelSpec.of(ModelSpec.DENSENET161, new ImageShape(3, 32, 32), 5, 4);
        var snapshot = SdModel.create(spec, 1).snapshot();
        List<TorchParameter> layout = ParameterLayout.of(spec);
        assertEquals(snapshot.size(), layout.size());
        for (TorchParameter p : layout) {
            assertArrayEquals(p.shape(), snapshot.get(p.name()).shape(), p.name());
        }
    }

    @Test
    void unknownArchitecturesAreRefusedWithTheList() {
        UserException e = assertThrows(UserException.class, () -> ModelSpec.of("resnet101", IMAGENET, 10, 64));
        for (String id : ModelSpec.ARCHITECTURES) {
            assertTrue(e.fix().contains(id), e.fix());
        }
        assertEquals(List.of(64, 64, 96, 64, 32), List.of(ModelSpec.defaultWidth("resnet18"), ModelSpec.defaultWidth("resnet50"),
                ModelSpec.defaultWidth("densenet161"), ModelSpec.defaultWidth("vgg19-bn"), ModelSpec.defaultWidth("cnn-small")));
    }

    private static List<String> lines(String resource) throws IOException {
        try (InputStream in = ParameterLayoutTest.class.getResourceAsStream("/torchvision/" + resource + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }
}
