package org.purifybench.core.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.purifybench.core.UserException;
import org.purifybench.core.model.ModelSpec;

/**
 * Imported weights, content-addressed: each lives as {@code <sha256>.safetensors} (PyTorch names and
 * layouts, float32), where the SHA-256 is the one of the file the user imported, so a profile names a
 * backbone by the published file's hash (torchvision's file names carry its first 8 hex digits).
 * Runs only read from here; nothing is ever downloaded.
 */
public final class WeightsStore {
    public static final String PROPERTY = "purifybench.weights.dir";
    public static final String ENV = "PURIFYBENCH_WEIGHTS_DIR";
    private static final String SUFFIX = ".safetensors";

    private final Path dir;

    public WeightsStore(Path dir) {
        this.dir = dir;
    }

    /** {@code -Dpurifybench.weights.dir}, else {@code $PURIFYBENCH_WEIGHTS_DIR}, else {@code ~/.purifybench/weights}. */
    public static WeightsStore standard() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        return new WeightsStore(p == null || p.isBlank() ? Path.of(System.getProperty("user.home"), ".purifybench", "weights") : Path.of(p));
    }

    public Path dir() {
        return dir;
    }

    /** One stored file: its source's SHA-256, and what the import recorded (architecture, source file, date, ...). */
    public record Entry(String sha256, Path file, Map<String, String> info) {
        public String arch() {
            return info.get("arch");
        }
    }

    /**
     * Reads {@code source} (safetensors, or a PyTorch zip .pth read without running its pickle), checks
     * that it fits {@code arch} (every parameter's key and shape; the classifier may be of another class
     * count), and stores it. Importing the same file again is a no-op that returns the stored entry.
     */
    public Entry importFile(Path source, ModelSpec check) throws IOException {
        if (!Files.isRegularFile(source)) {
            throw new UserException("weights file " + source + " does not exist", "give the path of a .safetensors or .pth file");
        }
        String sha = sha256(source);
        Map<String, TensorData> tensors = readAny(source);
        StateDictMapper.Imported fit = StateDictMapper.toOurs(tensors, check, true);
        Files.createDirectories(dir);
        Path target = dir.resolve(sha + SUFFIX);
        Map<String, String> info = new LinkedHashMap<>();
        info.put("arch", check.architecture());
        info.put("width", Integer.toString(check.width()));
        info.put("sourceFile", source.getFileName().toString());
        info.put("sourceSha256", sha);
        info.put("importedAt", Instant.now().toString());
        info.put("classifierImported", Boolean.toString(fit.keptInitial().isEmpty()));
        if (!Files.exists(target)) {
            Map<String, TensorData> kept = new LinkedHashMap<>();
            tensors.forEach((k, v) -> {
                if (!fit.unusedKeys().contains(k)) {
                    kept.put(k, v);
                }
            });
            Safetensors.write(target, kept, info);
        }
        return read(target);
    }

    /** The entry whose SHA-256 is or starts with {@code shaOrPrefix} (at least 8 hex digits, and unique). */
    public Entry find(String shaOrPrefix) throws IOException {
        List<Entry> hits = new ArrayList<>();
        for (Entry e : list()) {
            if (e.sha256().startsWith(shaOrPrefix)) {
                hits.add(e);
            }
        }
        if (hits.size() > 1) {
            throw new UserException("weights prefix " + shaOrPrefix + " matches " + hits.size() + " stored files",
                    "name the full SHA-256 (purifybench weights list)");
        }
        return hits.isEmpty() ? null : hits.get(0);
    }

    public List<Entry> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\.safetensors")).sorted().toList()) {
                out.add(read(f));
            }
        }
        return out;
    }

    /** The stored tensors of {@code entry}, re-checked: a file changed since import is refused. */
    public Map<String, TensorData> tensors(Entry entry) throws IOException {
        return Safetensors.read(entry.file()).tensors();
    }

    private static Entry read(Path file) throws IOException {
        String name = file.getFileName().toString();
        Map<String, String> metadata;
        try {
            // The header only: listing the store must not read every stored model's numbers.
            metadata = Safetensors.metadata(file);
        } catch (WeightsFormatException e) {
            throw new UserException("stored weights " + file + " are damaged (" + e.getMessage() + ")",
                    "delete the file and import the original again with purifybench weights import");
        }
        return new Entry(name.substring(0, name.length() - SUFFIX.length()), file, metadata);
    }

    /** A .safetensors file by its header, anything else as a PyTorch checkpoint. */
    public static Map<String, TensorData> readAny(Path source) throws IOException {
        if (source.getFileName().toString().endsWith(SUFFIX)) {
            return Safetensors.read(source).tensors();
        }
        return TorchCheckpoint.read(source);
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // reading feeds the digest
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
