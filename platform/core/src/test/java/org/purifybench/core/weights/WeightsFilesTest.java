package org.purifybench.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two weights formats read and written byte-exactly, and hostile or damaged files refused with a message naming the problem. */
class WeightsFilesTest {
    @TempDir
    Path dir;

    @Test
    void safetensorsRoundTripKeepsNamesShapesValuesAndMetadata() throws Exception {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("conv1.weight", new TensorData("F32", new long[] {2, 1, 1, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("fc.bias", new TensorData("F32", new long[] {2}, new float[] {-0.5f, Float.MIN_VALUE}));
        t.put("empty", new TensorData("F32", new long[] {0, 4}, new float[0]));
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, t, Map.of("arch", "resnet18"));
        Safetensors.Contents back = Safetensors.read(f);
        assertEquals(t.keySet(), back.tensors().keySet());
        for (String k : t.keySet()) {
            assertArrayEquals(t.get(k).shape(), back.tensors().get(k).shape(), k);
            assertArrayEquals(t.get(k).values(), back.tensors().get(k).values(), k);
        }
        assertEquals("resnet18", back.metadata().get("arch"));
        // The data after the header is 8-byte aligned, as the reference writer leaves it.
        long header = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, header % 8);
    }

    @Test
    void safetensorsReadsHalfBfloatAndDoublePrecision() throws Exception {
        // F16 0x3C00 = 1.0, 0xC000 = -2.0; BF16 0x3F80 = 1.0; F64 0.25.
        byte[] data = ByteBuffer.allocate(2 * 2 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x3F80).putDouble(0.25).array();
        String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[6,14]}}";
        Path f = raw(json, data);
        var t = Safetensors.read(f).tensors();
        assertArrayEquals(new float[] {1f, -2f}, t.get("h").values());
        assertArrayEquals(new float[] {1f}, t.get("b").values());
        assertArrayEquals(new float[] {0.25f}, t.get("d").values());
        assertEquals(0, t.get("d").shape().length);
    }

    @Test
    void damagedSafetensorsAreRefusedNamingTheProblem() throws Exception {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertMessage(raw(overlap, new byte[8]), "overlap or hole");
        String past = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertMessage(raw(past, new byte[8]), "data_offsets");
        assertMessage(raw("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "dtype Q8");
        assertMessage(raw("[1,2]", new byte[0]), "not a JSON object");
        Path hugeHeader = dir.resolve("huge.safetensors");
        Files.write(hugeHeader, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        assertMessage(hugeHeader, "header length");
    }

    @Test
    void pthStateDictIsReadIncludingStridedViews() throws Exception {
        TorchZipFixture fx = new TorchZipFixture();
        fx.tensors.put("a.weight", TorchZipFixture.View.contiguous(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        // A transposed view (stride 1,2) of a 2x2 storage, as torch.save keeps a .t() tensor.
        fx.tensors.put("b", new TorchZipFixture.View(new float[] {0, 1, 2, 3}, 0, new long[] {2, 2}, new long[] {1, 2}));
        // An offset view: elements 2..3 of a 4-element storage.
        fx.tensors.put("c", new TorchZipFixture.View(new float[] {9, 9, 7, 8}, 2, new long[] {2}, new long[] {1}));
        Path f = dir.resolve("sd.pth");
        fx.write(f);
        Map<String, TensorData> t = TorchCheckpoint.read(f);
        assertEquals(java.util.Set.of("a.weight", "b", "c"), t.keySet());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.get("a.weight").values());
        assertArrayEquals(new long[] {2, 3}, t.get("a.weight").shape());
        assertArrayEquals(new float[] {0, 2, 1, 3}, t.get("b").values());
        assertArrayEquals(new float[] {7, 8}, t.get("c").values());
    }

    @Test
    void pthWithAnyOtherGlobalIsRefusedWithoutRunningIt() throws Exception {
        TorchZipFixture fx = new TorchZipFixture();
        fx.tensors.put("a", TorchZipFixture.View.contiguous(new float[] {1}, 1));
        // What a malicious checkpoint holds: os.system("...") through REDUCE.
        ByteArrayOutputStream evil = new ByteArrayOutputStream();
        TorchZipFixture.unicode(evil, "payload");
        TorchZipFixture.global(evil, "os", "system");
        evil.write('(');
        TorchZipFixture.unicode(evil, "touch " + dir.resolve("pwned"));
        evil.write('t');
        evil.write('R');
        fx.extraItems = evil.toByteArray();
        Path f = dir.resolve("evil.pth");
        fx.write(f);
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> TorchCheckpoint.read(f));
        assertTrue(e.getMessage().contains("refused the Python global os.system"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("pwned")));
    }

    @Test
    void pthHoldingNonTensorsOrOldFormatIsRefused() throws Exception {
        TorchZipFixture fx = new TorchZipFixture();
        fx.tensors.put("a", TorchZipFixture.View.contiguous(new float[] {1}, 1));
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        TorchZipFixture.unicode(extra, "epoch");
        TorchZipFixture.integer(extra, 7);
        fx.extraItems = extra.toByteArray();
        Path f = dir.resolve("ckpt.pth");
        fx.write(f);
        assertMessage(f, "not tensors: epoch");
        Path legacy = dir.resolve("legacy.pth");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, 'K', 1, '.'});
        assertMessage(legacy, "not a PyTorch zip checkpoint");
    }

    @Test
    void pthTensorReachingPastItsStorageIsRefused() throws Exception {
        TorchZipFixture fx = new TorchZipFixture();
        fx.tensors.put("a", new TorchZipFixture.View(new float[] {1, 2}, 1, new long[] {4}, new long[] {1}));
        Path f = dir.resolve("past.pth");
        fx.write(f);
        assertMessage(f, "reaches past its storage");
    }

    private Path raw(String json, byte[] data) throws Exception {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("raw" + System.nanoTime() + ".safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data);
        Files.write(f, b.array());
        return f;
    }

    private static void assertMessage(Path f, String part) {
        Exception e = assertThrows(WeightsFormatException.class, () -> {
            if (f.toString().endsWith(".pth")) {
                TorchCheckpoint.read(f);
            } else {
                Safetensors.read(f);
            }
        });
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
