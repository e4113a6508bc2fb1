package org.purifybench.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves a model as its spec (JSON) plus named arrays, not as a SameDiff flatbuffer: the graph is
 * rebuilt from code on load, so a file only ever holds numbers and cannot smuggle in ops.
 */
public final class ModelIO {
    private static final String MAGIC = "PURIFYBENCH-MODEL-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelIO() {
    }

    public static void save(HostModel model, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeUTF(MAGIC);
            out.writeUTF(JSON.writeValueAsString(model.spec()));
            Map<String, INDArray> all = model.snapshot();
            out.writeInt(all.size());
            for (Map.Entry<String, INDArray> e : all.entrySet()) {
                out.writeUTF(e.getKey());
                Nd4j.write(e.getValue(), out);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A model file read into the default engine. */
    public static HostModel load(Path file) throws IOException {
        return load(file, Engines.defaultEngine());
    }

    public static HostModel load(Path file, ComputeEngine engine) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new IOException(file + " is not a PurifyBench model file");
            }
            ModelSpec spec = JSON.readValue(in.readUTF(), ModelSpec.class);
            HostModel model = engine.create(spec, 0);
            int count = in.readInt();
            Map<String, INDArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                arrays.put(name, Nd4j.read(in));
            }
            try {
                model.restore(arrays);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            return model;
        }
    }
}
