package org.purifybench.core.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes checkpoints the way {@code torch.save(state_dict, path)} of PyTorch 1.13 does (zip with
 * {@code <name>/data.pkl}, {@code <name>/data/<key>}, {@code <name>/version}); the pickle's opcodes
 * follow {@code pickletools.dis} of such a file opcode for opcode (GLOBAL collections OrderedDict,
 * REDUCE, then per tensor a BINPERSID storage tuple and _rebuild_tensor_v2), so the tests need no
 * Python. Extra hooks let a test inject what a hostile file would hold.
 */
final class TorchZipFixture {
    /** One tensor: its storage's floats, and the view (offset, size, stride) the pickle describes. */
    record View(float[] storage, long offset, long[] size, long[] stride) {
        static View contiguous(float[] values, long... size) {
            long[] stride = new long[size.length];
            long s = 1;
            for (int d = size.length - 1; d >= 0; d--) {
                stride[d] = s;
                s *= size[d];
            }
            return new View(values, 0, size, stride);
        }
    }

    final Map<String, View> tensors = new LinkedHashMap<>();
    /** Raw opcodes appended to the dict's items before SETITEMS (e.g. a hostile global). */
    byte[] extraItems = new byte[0];

    void write(Path file) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        global(p, "collections", "OrderedDict");
        p.write(')');
        p.write('R');
        p.write('(');
        int key = 0;
        for (Map.Entry<String, View> e : tensors.entrySet()) {
            unicode(p, e.getKey());
            global(p, "torch._utils", "_rebuild_tensor_v2");
            p.write('(');
            p.write('(');
            unicode(p, "storage");
            global(p, "torch", "FloatStorage");
            unicode(p, Integer.toString(key++));
            unicode(p, "cpu");
            integer(p, e.getValue().storage().length);
            p.write('t');
            p.write('Q');
            integer(p, (int) e.getValue().offset());
            tuple(p, e.getValue().size());
            tuple(p, e.getValue().stride());
            p.write(0x89);
            global(p, "collections", "OrderedDict");
            p.write(')');
            p.write('R');
            p.write('t');
            p.write('R');
        }
        p.write(extraItems);
        p.write('u');
        p.write('.');
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "archive/data.pkl", p.toByteArray());
            key = 0;
            for (View v : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * v.storage().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v.storage()) {
                    b.putFloat(f);
                }
                entry(zip, "archive/data/" + (key++), b.array());
            }
            entry(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    static void global(OutputStream p, String module, String name) throws IOException {
        p.write('c');
        p.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    static void unicode(OutputStream p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.write(b);
    }

    static void integer(OutputStream p, int v) throws IOException {
        p.write('J');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void tuple(OutputStream p, long[] values) throws IOException {
        p.write('(');
        for (long v : values) {
            integer(p, (int) v);
        }
        p.write('t');
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }
}
