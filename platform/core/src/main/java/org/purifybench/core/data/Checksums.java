package org.purifybench.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** MD5 (what dataset authors publish) and SHA-256 (what TFDS publishes) of a file, in one read. */
public final class Checksums {
    private Checksums() {
    }

    /** Lower-case hex digests and the byte count of one file. */
    public record Digest(String md5, String sha256, long size) {
    }

    public static Digest of(Path file) throws IOException {
        MessageDigest md5 = digest("MD5");
        MessageDigest sha256 = digest("SHA-256");
        long size = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                md5.update(buffer, 0, n);
                sha256.update(buffer, 0, n);
                size += n;
            }
        }
        return new Digest(HexFormat.of().formatHex(md5.digest()), HexFormat.of().formatHex(sha256.digest()), size);
    }

    public static String md5(Path file) throws IOException {
        MessageDigest md5 = digest("MD5");
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }
}
