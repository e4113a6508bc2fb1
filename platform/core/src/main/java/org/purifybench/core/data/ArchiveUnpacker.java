package org.purifybench.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.purifybench.core.UserException;

/**
 * Unpacks a dataset archive (.tar.gz or .zip, told apart by their first bytes) into an empty folder,
 * treating it as hostile: absolute names, {@code ..} segments, links of any kind and special files
 * are refused (dataset archives contain none), and the bytes actually written and the entry count
 * are capped so a zip bomb stops early. The folder is left half-filled on failure: the caller
 * unpacks into a temporary folder and deletes it.
 */
final class ArchiveUnpacker {
    /** Caps on what one archive may unpack to. */
    record Limits(long maxBytes, int maxEntries) {
        /** Tiny-ImageNet unpacks to about 120,000 files and 0.5 GB; these leave room and still stop a bomb. */
        static final Limits DEFAULT = new Limits(8L << 30, 400_000);
    }

    private final Limits limits;
    private long bytes;
    private int entries;

    ArchiveUnpacker(Limits limits) {
        this.limits = limits;
    }

    /** Unpacks {@code archive} into {@code dest}; the running totals span every archive this unpacker handled. */
    void unpack(Path archive, Path dest) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(archive)) {
            int n = in.readNBytes(head, 0, 4);
            if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                unpackTarGz(archive, dest);
            } else if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                unpackZip(archive, dest);
            } else {
                throw refuse(archive, "is neither a .tar.gz nor a .zip archive");
            }
        }
    }

    private void unpackTarGz(Path archive, Path dest) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isSymbolicLink() || e.isLink()) {
                    throw refuse(archive, "holds a link " + e.getName() + " -> " + e.getLinkName() + " (dataset archives hold none)");
                }
                if (!e.isDirectory() && !e.isFile()) {
                    throw refuse(archive, "holds a special file " + e.getName());
                }
                Path target = target(archive, dest, e.getName());
                count(archive);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    write(archive, tar, target);
                }
            }
        }
    }

    private void unpackZip(Path archive, Path dest) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            Enumeration<ZipArchiveEntry> all = zip.getEntriesInPhysicalOrder();
            while (all.hasMoreElements()) {
                ZipArchiveEntry e = all.nextElement();
                if (e.isUnixSymlink()) {
                    throw refuse(archive, "holds a symbolic link " + e.getName() + " (dataset archives hold none)");
                }
                Path target = target(archive, dest, e.getName());
                count(archive);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    try (InputStream in = zip.getInputStream(e)) {
                        write(archive, in, target);
                    }
                }
            }
        }
    }

    /** Where an entry goes, after refusing names that would land outside {@code dest}. */
    private static Path target(Path archive, Path dest, String name) {
        String n = name.replace('\\', '/');
        if (n.isEmpty() || n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.indexOf('\0') >= 0) {
            throw refuse(archive, "holds an entry with an absolute or empty name: " + name);
        }
        for (String segment : n.split("/")) {
            if (segment.equals("..")) {
                throw refuse(archive, "holds an entry that climbs out of its folder: " + name);
            }
        }
        Path root = dest.toAbsolutePath().normalize();
        Path target = root.resolve(n).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw refuse(archive, "holds an entry outside its folder: " + name);
        }
        return target;
    }

    private void count(Path archive) {
        if (++entries > limits.maxEntries()) {
            throw refuse(archive, "holds more than " + limits.maxEntries() + " entries");
        }
    }

    private void write(Path archive, InputStream in, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        byte[] buffer = new byte[1 << 16];
        // CREATE_NEW: a second entry of the same name (or one a link made) cannot overwrite the first.
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
                if (bytes > limits.maxBytes()) {
                    throw refuse(archive, "unpacks to more than " + limits.maxBytes() + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    private static UserException refuse(Path archive, String problem) {
        return new UserException("refused to unpack " + archive.getFileName() + ": it " + problem,
                "use the official archive; nothing was installed");
    }
}
