package org.purifybench.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.purifybench.core.UserException;

/**
 * Golden results of {@code purifybench verify}: the verify matrix's metrics for the plug-in's defense
 * and for {@code none}, as they were when the author wrote them ({@code --write-golden FILE}), with the
 * parameters used and where they were measured. They live in the plug-in jar
 * ({@value #IN_JAR}, or {@code golden-ID.json} beside it for a jar of several defenses) or in a file
 * given with {@code --golden}.
 *
 * @param format         {@link #FORMAT}
 * @param defense        the defense's id
 * @param defenseVersion its version when the file was written (a different version now is reported, not failed)
 * @param params         the defense's parameters in the matrix (and the kit); verify uses these
 * @param dataset        the verify matrix's dataset ({@code synthetic} when absent, or {@code fashion-mnist})
 * @param matrix         the verify matrix's run id (name and config hash): another id means another matrix,
 *                       whose numbers cannot be compared
 * @param tolerance      the absolute tolerance of every metric (rates in [0,1]) unless {@code tolerances} names it
 * @param tolerances     per-metric tolerances (by metric name, e.g. {@code p-asr}), optional
 * @param writtenOn      where the numbers were measured (platform commit, CPU, threads, Java): same machine and
 *                       thread count should reproduce them bit for bit
 * @param metrics        the values, one per (defense, evaluator, metric)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Golden(int format, String defense, String defenseVersion, Map<String, Object> params, String dataset, String matrix, double tolerance,
              Map<String, Double> tolerances, Map<String, Object> writtenOn, List<Metric> metrics) {
    static final int FORMAT = 1;
    static final String IN_JAR = "META-INF/purifybench/golden.json";
    /**
     * The default absolute tolerance on rates (accuracy, ASR, P-ASR) when writing golden results: 0.02 on
     * synthetic data (10 of its 500 test images; 1 vs 2 threads moved no metric by more than 0.0022),
     * 0.05 on Fashion-MNIST (1 vs 2 threads moved P-C-Acc by 0.018: its numbers are not saturated).
     */
    static double defaultTolerance(String dataset) {
        return dataset.equals("synthetic") ? 0.02 : 0.05;
    }
    private static final int MAX_BYTES = 1 << 20;

    /** One metric of one defense in the verify matrix's single cell; a null value is not a number. */
    record Metric(String defense, String evaluator, String metric, Double value) {
        String key() {
            return defense + "|" + evaluator + "|" + metric;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    String datasetOrDefault() {
        return dataset == null ? "synthetic" : dataset;
    }

    /** The tolerance of {@code metric}. */
    double toleranceOf(String metric) {
        Double t = tolerances == null ? null : tolerances.get(metric);
        return t != null ? t : tolerance;
    }

    void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JSON.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new UserException("cannot write the golden results to " + file + " (" + e.getMessage() + ")", "give a writable path to --write-golden");
        }
    }

    static Golden read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new UserException("the golden results file " + file + " is larger than 1 MB", "give the file verify --write-golden wrote");
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new UserException("the golden results file " + file + " does not exist", "write it with: purifybench verify JAR --write-golden " + file);
        } catch (IOException e) {
            throw new UserException("cannot read the golden results file " + file + " (" + e.getMessage() + ")", "check the path");
        }
    }

    /**
     * The golden results the jar carries for {@code defenseId}: {@code META-INF/purifybench/golden-ID.json},
     * else {@value #IN_JAR} (which must then be for that defense). The jar was admitted before, so its
     * entries are within the admission limits.
     */
    static Optional<Golden> inJar(Path jar, String defenseId) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String name : List.of("META-INF/purifybench/golden-" + defenseId + ".json", IN_JAR)) {
                ZipEntry e = zip.getEntry(name);
                if (e == null || e.isDirectory()) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readNBytes(MAX_BYTES + 1);
                }
                if (bytes.length > MAX_BYTES) {
                    throw new UserException(jar + "!" + name + " is larger than 1 MB", "ship the file verify --write-golden wrote");
                }
                Golden g = parse(bytes, jar + "!" + name);
                if (!g.defense().equals(defenseId)) {
                    if (name.equals(IN_JAR)) {
                        continue;
                    }
                    throw new UserException(jar + "!" + name + " holds golden results of defense '" + g.defense() + "'", "rewrite it with --write-golden");
                }
                return Optional.of(g);
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UserException("cannot read " + jar + " (" + e.getMessage() + ")", "check the jar");
        }
    }

    private static Golden parse(byte[] bytes, String where) {
        Golden g;
        try {
            g = JSON.readValue(bytes, Golden.class);
        } catch (JsonProcessingException e) {
            throw new UserException(where + " is not a golden results file (" + e.getOriginalMessage() + ")",
                    "write it with purifybench verify JAR --write-golden FILE");
        } catch (IOException e) {
            throw new UserException("cannot read " + where + " (" + e.getMessage() + ")", "check the file");
        }
        if (g == null || g.format() != FORMAT || g.defense() == null || g.metrics() == null || g.matrix() == null) {
            throw new UserException(where + " is not a golden results file of format " + FORMAT + " (format, defense, matrix and metrics are required)",
                    "write it with purifybench verify JAR --write-golden FILE");
        }
        if (!(g.tolerance() >= 0) || (g.tolerances() != null && g.tolerances().values().stream().anyMatch(t -> t == null || !(t >= 0)))) {
            throw new UserException(where + ": tolerances must be numbers >= 0", "fix the file, or rewrite it with --write-golden");
        }
        return g;
    }
}
