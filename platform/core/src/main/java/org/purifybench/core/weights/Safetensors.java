package org.purifybench.core.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face's: an 8-byte little-endian header length, a
 * JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data). It
 * holds numbers only, so it is the format weights travel in between PurifyBench and PyTorch code
 * ({@code safetensors.torch.load_file}). No Java library for it is on Maven Central in a kept state;
 * the format is small enough to check completely here.
 */
public final class Safetensors {
    /** The format's own cap on the header (safetensors refuses larger ones too). */
    static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "__metadata__";

    private Safetensors() {
    }

    /** A file's tensors (in header order) and its free-form metadata. */
    public record Contents(Map<String, TensorData> tensors, Map<String, String> metadata) {
    }

    /** The free-form metadata alone, from the header (no tensor data is read). */
    public static Map<String, String> metadata(Path file) throws IOException {
        return read(file, false).metadata();
    }

    public static Contents read(Path file) throws IOException {
        return read(file, true);
    }

    private static Contents read(Path file, boolean withData) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "it is " + size + " bytes long, shorter than the 8-byte header length");
            }
            long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw bad(file, "its header length " + headerLength + " is outside 1.." + Math.min(MAX_HEADER, size - 8));
            }
            JsonNode header;
            try {
                header = JSON.readTree(StandardCharsets.UTF_8.decode(readFully(ch, 8, (int) headerLength)).toString());
            } catch (JsonProcessingException e) {
                throw bad(file, "its header is not JSON (" + e.getOriginalMessage() + ")");
            }
            if (header == null || !header.isObject()) {
                throw bad(file, "its header is not a JSON object");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals(METADATA)) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                } else {
                    entries.add(entry(file, f.getKey(), f.getValue(), dataLength));
                }
            }
            checkCoverage(file, entries, dataLength);
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            if (!withData) {
                return new Contents(tensors, metadata);
            }
            for (Entry e : entries) {
                ByteBuffer bytes = readFully(ch, dataStart + e.begin, Math.toIntExact(e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(e.name, new TensorData(e.dtype.name(), e.shape, e.dtype.toFloats(bytes, (int) TensorData.count(e.shape))));
            }
            return new Contents(tensors, metadata);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataLength) throws WeightsFormatException {
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || shape == null || !shape.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw bad(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
        }
        DType type = DType.of(dtype.asText());
        if (type == null) {
            throw bad(file, "tensor '" + name + "' has dtype " + dtype.asText() + "; readable: " + List.of(DType.values()));
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0) {
                throw bad(file, "tensor '" + name + "' has shape " + shape);
            }
            dims[i] = shape.get(i).asLong();
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        long expected;
        try {
            expected = Math.multiplyExact(TensorData.count(dims), type.bytes);
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "' has shape " + shape + ", too large");
        }
        if (begin < 0 || end < begin || end > dataLength || end - begin != expected || expected > Integer.MAX_VALUE - 8) {
            throw bad(file, "tensor '" + name + "' has data_offsets " + offsets + " for " + expected + " bytes of " + type
                    + " in a data section of " + dataLength + " bytes");
        }
        return new Entry(name, type, dims, begin, end);
    }

    /** The format requires the tensors to tile the data section exactly: overlaps and holes mean a damaged or crafted file. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLength) throws WeightsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin != at) {
                throw bad(file, "tensor '" + e.name + "' starts at byte " + e.begin + " where " + at + " was expected (overlap or hole)");
            }
            at = e.end;
        }
        if (at != dataLength) {
            throw bad(file, "its tensors cover " + at + " of the " + dataLength + " data bytes");
        }
    }

    /** Writes {@code tensors} as F32 (atomically: a reader never sees half a file). */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long length = 4L * e.getValue().values().length;
            t.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // The header is padded with spaces to a multiple of 8 so the data that follows is aligned (as the reference writer does).
        int padded = (json.length + 7) / 8 * 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorData t : tensors.values()) {
                for (float v : t.values()) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(v);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buf.flip();
    }

    private static WeightsFormatException bad(Path file, String what) {
        return new WeightsFormatException(file + " is not a valid safetensors file: " + what);
    }
}
