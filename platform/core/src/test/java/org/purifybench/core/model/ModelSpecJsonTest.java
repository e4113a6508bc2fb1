package org.purifybench.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.run.MatrixSpec;
import org.purifybench.spi.ImageShape;

/** inputSize must not change the JSON (model files, cache keys) of specs that do not use it. */
class ModelSpecJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The canonical JSON of this spec before inputSize existed (base commit ee62b92). */
    private static final String OLD = "{\"architecture\":\"preact-resnet18\",\"dtype\":\"float\",\"numClasses\":10,"
            + "\"shape\":{\"channels\":3,\"height\":32,\"width\":32},\"width\":64}";

    private static final ModelSpec SPEC = ModelSpec.of(ModelSpec.PREACT_RESNET18, new ImageShape(3, 32, 32), 10, 64);

    @Test
    void aSpecWithoutResizeSerializesAsBefore() {
        assertEquals(OLD, Hashing.canonicalJson(SPEC));
    }

    @Test
    void oldJsonStillReads() throws Exception {
        ModelSpec read = JSON.readValue(OLD, ModelSpec.class);
        assertEquals(SPEC, read);
        assertEquals(0, read.inputSize());
    }

    @Test
    void theMatrixsModelEntryHashesAsBeforeAndReadsInputSize() throws Exception {
        assertEquals("{\"arch\":\"cnn-small\",\"width\":32}", Hashing.canonicalJson(new MatrixSpec.ModelSpecYaml("cnn-small", 32)));
        assertEquals(new MatrixSpec.ModelSpecYaml("cnn-small", 32), JSON.readValue("{\"arch\":\"cnn-small\",\"width\":32}",
                MatrixSpec.ModelSpecYaml.class));
        assertEquals(224, JSON.readValue("{\"arch\":\"resnet18\",\"inputSize\":224}", MatrixSpec.ModelSpecYaml.class).resizeTo());
    }

    @Test
    void aResizingSpecRoundTrips() throws Exception {
        ModelSpec resized = ModelSpec.of(ModelSpec.RESNET18, new ImageShape(3, 32, 32), 100, 64).withInputSize(224);
        String json = JSON.writeValueAsString(resized);
        assertTrue(json.contains("\"inputSize\":224"), json);
        assertEquals(resized, JSON.readValue(json, ModelSpec.class));
        assertEquals(224, resized.inputHeight());
    }
}
