package org.purifybench.core.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.spi.LabeledImages;

/**
 * The decoded pixels of a dataset kept beside its files as uint8, so that the 100,000 JPEGs of
 * Tiny-ImageNet (or GTSRB's PPMs) are decoded and resized once. The file is keyed by a fingerprint
 * of the source files (paths, sizes, modification times) and the decoder's version, and ends with
 * the SHA-256 of everything before it: a stale, truncated or corrupt entry is reported as a warning
 * and rebuilt, never trusted, and a cache that cannot be written only costs the next load a decode.
 */
final class DecodedCache {
    static final String FOLDER = ".purifybench-cache";
    private static final byte[] MAGIC = "PBDC".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** How many times a decoder ran in this JVM: tests use it to see that a cache hit decodes nothing. */
    static final AtomicInteger DECODES = new AtomicInteger();

    /** Decoded images as bytes [N,C,H,W] with labels; what the cache stores. */
    record Split(int n, int channels, int height, int width, byte[] pixels, int[] labels) {
        LabeledImages toImages(int numClasses) {
            float[] f = new float[pixels.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (pixels[i] & 0xff) / 255f;
            }
            return new LabeledImages(Nd4j.create(f, new long[] {n, channels, height, width}), labels, numClasses);
        }
    }

    /** Both splits, the class count and the verification established when they were decoded. */
    record Decoded(Split train, Split test, int numClasses, DataVerification verification) {
    }

    /** The outcome of a load: what was read and whether it came from the cache file. */
    record Result(Decoded decoded, boolean fromCache, Path file) {
    }

    private DecodedCache() {
    }

    /**
     * The cached tensors in {@code folder/.purifybench-cache/name} if their key matches {@code key};
     * otherwise runs {@code decoder} and stores its result for next time.
     */
    static Result load(Path folder, String name, String key, Supplier<Decoded> decoder, Consumer<String> warn) {
        Path file = folder.resolve(FOLDER).resolve(name);
        if (Files.isRegularFile(file)) {
            try {
                Decoded d = read(file, key);
                if (d != null) {
                    return new Result(d, true, file);
                }
                warn.accept("decoded cache " + file + " was made from other files (they changed since): rebuilding it");
            } catch (IOException | RuntimeException e) {
                warn.accept("decoded cache " + file + " is unreadable or corrupt (" + e.getMessage() + "): rebuilding it");
            }
        }
        DECODES.incrementAndGet();
        Decoded decoded = decoder.get();
        try {
            write(file, key, decoded);
        } catch (IOException | RuntimeException e) {
            warn.accept("cannot write the decoded cache " + file + " (" + e.getMessage() + "): the next load decodes again");
        }
        return new Result(decoded, false, file);
    }

    /** SHA-256 of the decoder's version and each source file's path, size and modification time. */
    static String fingerprint(String decoderVersion, Path base, List<Path> files) throws IOException {
        MessageDigest sha = Checksums.digest("SHA-256");
        sha.update(decoderVersion.getBytes(StandardCharsets.UTF_8));
        for (Path f : files) {
            String line = "\n" + base.relativize(f).toString().replace('\\', '/') + "\0" + Files.size(f) + "\0"
                    + Files.getLastModifiedTime(f).toMillis();
            sha.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The cached content, null when its key differs; throws when the file is damaged. */
    private static Decoded read(Path file, String key) throws IOException {
        MessageDigest sha = Checksums.digest("SHA-256");
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DigestInputStream digesting = new DigestInputStream(raw, sha)) {
            DataInputStream in = new DataInputStream(digesting);
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC) || in.readInt() != VERSION) {
                throw new IOException("not a cache file of this version");
            }
            if (!key.equals(in.readUTF())) {
                return null;
            }
            boolean verified = in.readBoolean();
            String summary = in.readUTF();
            int numClasses = in.readInt();
            Split train = readSplit(in, Files.size(file));
            Split test = readSplit(in, Files.size(file));
            byte[] expected = sha.digest();
            digesting.on(false);
            byte[] stored = in.readNBytes(32);
            if (!Arrays.equals(expected, stored) || in.read() != -1) {
                throw new IOException("its checksum does not match its content");
            }
            return new Decoded(train, test, numClasses, new DataVerification(verified, summary));
        } catch (EOFException e) {
            throw new IOException("it is truncated", e);
        }
    }

    private static Split readSplit(DataInputStream in, long fileSize) throws IOException {
        int n = in.readInt();
        int c = in.readInt();
        int h = in.readInt();
        int w = in.readInt();
        long pixels = (long) n * c * h * w;
        // A damaged header must not make us allocate more than the file can hold.
        if (n < 0 || c <= 0 || h <= 0 || w <= 0 || pixels + 4L * n > fileSize || pixels > Integer.MAX_VALUE - 8) {
            throw new IOException("its header declares an impossible size");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = in.readInt();
        }
        byte[] bytes = new byte[(int) pixels];
        in.readFully(bytes);
        return new Split(n, c, h, w, bytes, labels);
    }

    private static void write(Path file, String key, Decoded d) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".partial");
        try {
            MessageDigest sha = Checksums.digest("SHA-256");
            try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                 DigestOutputStream digesting = new DigestOutputStream(raw, sha)) {
                DataOutputStream out = new DataOutputStream(digesting);
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(key);
                out.writeBoolean(d.verification().verified());
                out.writeUTF(d.verification().summary());
                out.writeInt(d.numClasses());
                writeSplit(out, d.train());
                writeSplit(out, d.test());
                out.flush();
                digesting.on(false);
                out.write(sha.digest());
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeSplit(DataOutputStream out, Split s) throws IOException {
        out.writeInt(s.n());
        out.writeInt(s.channels());
        out.writeInt(s.height());
        out.writeInt(s.width());
        for (int label : s.labels()) {
            out.writeInt(label);
        }
        out.write(s.pixels());
    }
}
