package org.purifybench.core.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.purifybench.core.model.ModelSpec;
import org.purifybench.spi.Need;

/**
 * What the parent tells the child (the job folder's {@code job.json}); the data are files beside it
 * ({@link #BACKDOORED}, and {@link #TUNING}, {@link #VALIDATION}, {@link #CLEAN} only when declared).
 *
 * @param pluginId  the defense to run
 * @param version   its version, as the parent's registry knows it
 * @param jar       the file name of the jar copy in the job folder
 * @param jarSha256 the copy's SHA-256 (the child checks it before admitting the jar)
 * @param needs     the needs the parent honoured: the child's context offers exactly these
 * @param spec      the model's spec (the child's output must have it too)
 */
public record SandboxJob(String pluginId, String version, String jar, String jarSha256, long seed, Map<String, Object> params,
                         Set<Need> needs, ModelSpec spec) {
    public static final String FILE = "job.json";
    public static final String BACKDOORED = "backdoored.model";
    public static final String CLEAN = "clean.model";
    public static final String TUNING = "tuning.images";
    public static final String VALIDATION = "validation.images";
    /** In the output folder: the purified model, and a short error text when the child fails. */
    public static final String OUTPUT = "purified.model";
    public static final String ERROR = "error.txt";
    /** In the output folder: the diagnostics the defense reported (a JSON object of names to numbers), when any. */
    public static final String DIAGNOSTICS = "diagnostics.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    }

    public static SandboxJob read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), SandboxJob.class);
    }
}
