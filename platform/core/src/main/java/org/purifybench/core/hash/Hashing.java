package org.purifybench.core.hash;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.nd4j.linalg.api.ndarray.INDArray;

/** SHA-256 of canonical JSON (sorted keys) and of files: cache keys, config hashes, checksums. */
public final class Hashing {
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Hashing() {
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    public static String canonicalJson(Object value) {
        try {
            // Through a tree so that nested maps and records are all key-sorted.
            Object tree = CANONICAL.treeToValue(CANONICAL.valueToTree(value), Object.class);
            return CANONICAL.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value, e);
        }
    }

    public static String ofJson(Object value) {
        return sha256(canonicalJson(value).getBytes(StandardCharsets.UTF_8));
    }

    public static String ofFile(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of the arrays' data types, shapes and values (C order), in iteration order. */
    public static String ofArrays(Iterable<INDArray> arrays) {
        MessageDigest md = digest();
        for (INDArray a : arrays) {
            md.update((a.dataType() + java.util.Arrays.toString(a.shape())).getBytes(StandardCharsets.UTF_8));
            INDArray c = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
            // Straight from native memory: no heap copy of a test set.
            md.update(c.data().asNio().limit((int) (c.length() * c.dataType().width())));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
