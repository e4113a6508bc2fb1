package org.purifybench.core.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
import org.purifybench.core.model.HostModel;
import org.purifybench.spi.LabeledImages;

/**
 * The files a sandboxed job exchanges: models and image sets as plain numbers in a format this
 * class defines (not {@code Nd4j.read}, whose header declares an allocation size before any check).
 * The parent reads a child's model against the spec it expects: every array's name, shape and type
 * must be the expected ones, each once, every value finite, the file exactly as long as that
 * implies; nothing is allocated from a size the file declares.
 */
public final class Exchange {
    private static final String MODEL_MAGIC = "PURIFYBENCH-SANDBOX-MODEL-1";
    private static final String IMAGES_MAGIC = "PURIFYBENCH-SANDBOX-IMAGES-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 16;

    private Exchange() {
    }

    /** A model file that is not what the parent expects; the message says why. */
    public static final class InvalidModelException extends IOException {
        InvalidModelException(String message) {
            super(message);
        }
    }

    // ---- models ----

    /** Writes the model's spec and every parameter and state array (atomically: a temporary file, then a rename). */
    public static void writeModel(HostModel model, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), CHUNK))) {
            out.writeUTF(MODEL_MAGIC);
            out.writeUTF(JSON.writeValueAsString(model.spec()));
            Map<String, INDArray> all = arrays(model);
            out.writeInt(all.size());
            for (Map.Entry<String, INDArray> e : all.entrySet()) {
                out.writeUTF(e.getKey());
                writeArray(out, e.getValue());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The exact size in bytes of {@code writeModel}'s file for a model of this spec. */
    public static long modelFileBytes(ModelSpec spec) {
        HostModel shape = Engines.defaultEngine().create(spec, 0);
        try {
            java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(header);
            h.writeUTF(MODEL_MAGIC);
            h.writeUTF(JSON.writeValueAsString(spec));
            h.writeInt(0);
            long size = header.size();
            for (Map.Entry<String, INDArray> e : arrays(shape).entrySet()) {
                java.io.ByteArrayOutputStream name = new java.io.ByteArrayOutputStream();
                new DataOutputStream(name).writeUTF(e.getKey());
                size += name.size() + 1 + 4 + 8L * e.getValue().rank() + e.getValue().length() * elementBytes(e.getValue().dataType());
            }
            return size;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a model written by {@link #writeModel}, refusing anything but a model of exactly
     * {@code expected} with finite values: a symbolic link, another magic or spec, a file of another
     * size, a missing, repeated, unknown or misshapen array, a non-finite value, trailing bytes.
     */
    public static HostModel readModel(Path file, ModelSpec expected) throws IOException {
        return readModel(file, expected, Engines.defaultEngine());
    }

    /** As {@link #readModel(Path, ModelSpec)}, into a model of {@code engine}. */
    public static HostModel readModel(Path file, ModelSpec expected, ComputeEngine engine) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidModelException(Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? "the model file is not a regular file" : "no model file");
        }
        long size = Files.size(file);
        long want = modelFileBytes(expected);
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new BufferedInputStream(raw, CHUNK))) {
            // the header first (at most 2 x 64 KB), so that a model of another spec is named as such
            if (!MODEL_MAGIC.equals(in.readUTF())) {
                throw new InvalidModelException("the file is not a sandbox model file");
            }
            String specJson = in.readUTF();
            ModelSpec spec;
            try {
                spec = JSON.readValue(specJson, ModelSpec.class);
            } catch (IOException | RuntimeException e) {
                throw new InvalidModelException("its model spec does not parse: " + e.getMessage());
            }
            if (!expected.equals(spec)) {
                throw new InvalidModelException("the model has another architecture: " + spec + ", expected " + expected);
            }
            if (size != want) {
                throw new InvalidModelException("the model file has " + (size > want ? "more" : "fewer") + " bytes than the " + want
                        + " a " + expected.architecture() + " of this spec takes");
            }
            HostModel model = engine.create(expected, 0);
            Map<String, INDArray> targets = arrays(model);
            int count = in.readInt();
            if (count != targets.size()) {
                throw new InvalidModelException("the model holds " + count + " arrays, expected " + targets.size());
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                INDArray target = targets.get(name);
                if (target == null || !seen.add(name)) {
                    throw new InvalidModelException("unexpected or repeated array '" + name + "'");
                }
                readArrayInto(in, target, name);
            }
            if (in.read() != -1) {
                throw new InvalidModelException("trailing bytes after the last array");
            }
            return model;
        } catch (EOFException e) {
            throw new InvalidModelException("the model file ends early");
        }
    }

    private static Map<String, INDArray> arrays(HostModel model) {
        Map<String, INDArray> all = new LinkedHashMap<>(model.parameters());
        model.state().forEach((k, v) -> {
            if (all.putIfAbsent(k, v) != null) {
                throw new IllegalStateException("parameter and state share the name " + k);
            }
        });
        return all;
    }

    private static int elementBytes(DataType t) {
        return switch (t) {
            case FLOAT -> 4;
            case DOUBLE -> 8;
            default -> throw new IllegalArgumentException("models hold float or double arrays, not " + t);
        };
    }

    private static void writeArray(DataOutputStream out, INDArray a) throws IOException {
        DataType t = a.dataType();
        out.writeByte(t == DataType.FLOAT ? 0 : t == DataType.DOUBLE ? 1 : fail(t));
        out.writeInt(a.rank());
        for (long d : a.shape()) {
            out.writeLong(d);
        }
        INDArray c = a.dup('c');
        if (t == DataType.FLOAT) {
            writeFloats(out, c.data().asFloat());
        } else {
            double[] v = c.data().asDouble();
            ByteBuffer buf = ByteBuffer.allocate(8 * CHUNK / 8);
            for (int i = 0; i < v.length; ) {
                buf.clear();
                int n = Math.min(CHUNK / 8, v.length - i);
                buf.asDoubleBuffer().put(v, i, n);
                out.write(buf.array(), 0, 8 * n);
                i += n;
            }
        }
    }

    private static int fail(DataType t) {
        throw new IllegalArgumentException("models hold float or double arrays, not " + t);
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        for (int i = 0; i < v.length; ) {
            buf.clear();
            int n = Math.min(CHUNK / 4, v.length - i);
            buf.asFloatBuffer().put(v, i, n);
            out.write(buf.array(), 0, 4 * n);
            i += n;
        }
    }

    private static float[] readFloats(DataInputStream in, long count) throws IOException {
        float[] v = new float[Math.toIntExact(count)];
        byte[] bytes = new byte[CHUNK];
        for (int i = 0; i < v.length; ) {
            int n = Math.min(CHUNK / 4, v.length - i);
            in.readFully(bytes, 0, 4 * n);
            ByteBuffer.wrap(bytes, 0, 4 * n).asFloatBuffer().get(v, i, n);
            i += n;
        }
        return v;
    }

    private static void readArrayInto(DataInputStream in, INDArray target, String name) throws IOException {
        int type = in.readByte();
        DataType t = type == 0 ? DataType.FLOAT : type == 1 ? DataType.DOUBLE : null;
        if (t != target.dataType()) {
            throw new InvalidModelException("array '" + name + "' has type " + type + ", expected " + target.dataType());
        }
        int rank = in.readInt();
        if (rank != target.rank()) {
            throw new InvalidModelException("array '" + name + "' has rank " + rank + ", expected " + target.rank());
        }
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = in.readLong();
        }
        if (!Arrays.equals(shape, target.shape())) {
            throw new InvalidModelException("array '" + name + "' has shape " + Arrays.toString(shape) + ", expected "
                    + Arrays.toString(target.shape()));
        }
        long n = target.length();
        INDArray value;
        if (t == DataType.FLOAT) {
            float[] v = readFloats(in, n);
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new InvalidModelException("array '" + name + "' holds a non-finite value (" + x + ")");
                }
            }
            value = Nd4j.create(v, shape, 'c');
        } else {
            double[] v = new double[Math.toIntExact(n)];
            byte[] bytes = new byte[CHUNK];
            for (int i = 0; i < v.length; ) {
                int k = Math.min(CHUNK / 8, v.length - i);
                in.readFully(bytes, 0, 8 * k);
                ByteBuffer.wrap(bytes, 0, 8 * k).asDoubleBuffer().get(v, i, k);
                i += k;
            }
            for (double x : v) {
                if (!Double.isFinite(x)) {
                    throw new InvalidModelException("array '" + name + "' holds a non-finite value (" + x + ")");
                }
            }
            value = Nd4j.create(v, shape, 'c');
        }
        target.assign(value);
    }

    // ---- image sets ----

    /** Writes images (float32, N x C x H x W) and labels. */
    public static void writeImages(LabeledImages data, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), CHUNK))) {
            out.writeUTF(IMAGES_MAGIC);
            INDArray images = data.images();
            out.writeInt(data.numClasses());
            out.writeInt(data.size());
            for (int d = 1; d < 4; d++) {
                out.writeInt((int) images.size(d));
            }
            for (int label : data.labels()) {
                out.writeInt(label);
            }
            writeFloats(out, images.castTo(DataType.FLOAT).dup('c').data().asFloat());
        }
    }

    /** Reads an image set written by {@link #writeImages}. */
    public static LabeledImages readImages(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), CHUNK))) {
            if (!IMAGES_MAGIC.equals(in.readUTF())) {
                throw new IOException(file + " is not a sandbox image file");
            }
            int classes = in.readInt();
            int n = in.readInt();
            long[] shape = {n, in.readInt(), in.readInt(), in.readInt()};
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = in.readInt();
            }
            float[] v = readFloats(in, shape[0] * shape[1] * shape[2] * shape[3]);
            return new LabeledImages(Nd4j.create(v, shape, 'c'), labels, classes);
        }
    }
}
