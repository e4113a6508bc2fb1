package org.purifybench.core.data;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.purifybench.core.UserException;

/**
 * {@code purifybench data add}: checks archives (local files, or URLs downloaded now) against the
 * catalog's published checksums, unpacks them into a temporary folder beside the destination and
 * moves it into place only when everything succeeded, so a failed add never harms an existing copy.
 * A manifest records what was installed and the md5 of every unpacked file.
 */
public final class DataAdd {
    private final DataCatalog catalog;
    private final Path dataDir;
    private final ArchiveUnpacker.Limits limits;
    private final PrintStream out;

    /** Installs into {@code dataDir/<id>}, checking against {@code catalog}; progress and results go to {@code out}. */
    public DataAdd(DataCatalog catalog, Path dataDir, PrintStream out) {
        this(catalog, dataDir, ArchiveUnpacker.Limits.DEFAULT, out);
    }

    DataAdd(DataCatalog catalog, Path dataDir, ArchiveUnpacker.Limits limits, PrintStream out) {
        this.catalog = catalog;
        this.dataDir = dataDir;
        this.limits = limits;
        this.out = out;
    }

    /** Verifies, unpacks and installs {@code sources} (paths or http(s) URLs) as dataset {@code id}; returns its folder. */
    public Path add(String id, List<String> sources) {
        DataCatalog.Entry entry = catalog.entry(id);
        if (sources.isEmpty()) {
            throw new UserException("no archive given for " + id, entry.howToAdd());
        }
        Path dest = DataDir.of(dataDir, id);
        Path downloads = dataDir.resolve(".downloads");
        Path staging = dataDir.resolve("." + id + ".adding-" + UUID.randomUUID());
        List<Path> downloaded = new ArrayList<>();
        try {
            Files.createDirectories(dataDir);
            Map<DataCatalog.Archive, Path> matched = new LinkedHashMap<>();
            Map<DataCatalog.Archive, DataManifest.ArchiveRecord> records = new LinkedHashMap<>();
            for (String source : sources) {
                Path file;
                if (source.startsWith("http://") || source.startsWith("https://")) {
                    file = new Downloader(out, limits.maxBytes()).download(URI.create(source), downloads);
                    downloaded.add(file);
                } else {
                    file = Path.of(source);
                    if (!Files.isRegularFile(file)) {
                        throw new UserException("archive " + file + " does not exist", entry.howToAdd());
                    }
                }
                Checksums.Digest digest = Checksums.of(file);
                DataCatalog.Archive archive = identify(entry, file, digest);
                out.println(file.getFileName() + ": md5 " + digest.md5() + " matches " + archive.fileName() + " as published by "
                        + archive.source());
                matched.put(archive, file);
                records.put(archive, new DataManifest.ArchiveRecord(archive.fileName(), source, digest.md5(), digest.sha256(),
                        digest.size(), archive.published() + " (" + archive.source() + ")"));
            }
            DataCatalog.Variant variant = completeVariant(entry, matched.keySet());
            Files.createDirectories(staging);
            ArchiveUnpacker unpacker = new ArchiveUnpacker(limits);
            for (DataCatalog.Archive archive : variant.archives()) {
                out.println("unpacking " + archive.fileName());
                unpacker.unpack(matched.get(archive), staging);
            }
            DataManifest manifest = new DataManifest(id, variant.name(), Instant.now().toString(),
                    variant.archives().stream().map(records::get).toList(), md5OfFiles(staging));
            manifest.write(staging);
            swapIn(staging, dest);
            out.println("installed " + id + " in " + dest + " (" + manifest.files().size() + " files)");
            for (Path d : downloaded) {
                Files.deleteIfExists(d);
            }
            return dest;
        } catch (IOException e) {
            throw new UserException("cannot install " + id + " in " + dest + ": " + e.getMessage(),
                    "check free space and that " + dataDir + " is writable; an existing copy was left as it was", e);
        } finally {
            deleteQuietly(staging);
        }
    }

    /** The catalog archive these bytes are; refuses, naming expected and actual checksums, when none is. */
    private static DataCatalog.Archive identify(DataCatalog.Entry entry, Path file, Checksums.Digest digest) {
        List<DataCatalog.Archive> all = entry.variants().stream().flatMap(v -> v.archives().stream()).toList();
        for (DataCatalog.Archive a : all) {
            if (a.matches(digest)) {
                return a;
            }
        }
        List<DataCatalog.Archive> sameName = all.stream().filter(a -> a.fileName().equals(file.getFileName().toString())).toList();
        List<DataCatalog.Archive> expected = sameName.isEmpty() ? all : sameName;
        StringBuilder b = new StringBuilder();
        for (DataCatalog.Archive a : expected) {
            b.append(b.isEmpty() ? "" : "; ").append(a.fileName()).append(": ").append(a.published()).append(" (").append(a.source()).append(')');
        }
        throw new UserException("checksum mismatch: " + file + " has md5 " + digest.md5() + ", sha256 " + digest.sha256() + ", "
                + digest.size() + " bytes, but the catalog expects " + b, "download the archive again from its official URL; nothing was installed");
    }

    /** The one variant the given archives make up completely (GTSRB's three archives go together). */
    private static DataCatalog.Variant completeVariant(DataCatalog.Entry entry, Set<DataCatalog.Archive> given) {
        for (DataCatalog.Variant v : entry.variants()) {
            if (v.archives().containsAll(given) && given.containsAll(v.archives())) {
                return v;
            }
        }
        for (DataCatalog.Variant v : entry.variants()) {
            if (v.archives().containsAll(given)) {
                Set<String> missing = new LinkedHashSet<>();
                v.archives().stream().filter(a -> !given.contains(a)).forEach(a -> missing.add(a.fileName()));
                throw new UserException(entry.id() + " needs all of its archives in one command; missing: " + String.join(", ", missing),
                        entry.howToAdd());
            }
        }
        throw new UserException("the archives given for " + entry.id() + " belong to different versions of it; add one version",
                entry.howToAdd());
    }

    private static Map<String, String> md5OfFiles(Path root) throws IOException {
        Map<String, String> md5s = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                md5s.put(root.relativize(f).toString().replace('\\', '/'), Checksums.md5(f));
            }
        }
        return md5s;
    }

    /** Moves {@code staging} to {@code dest}; an existing {@code dest} is set aside first and restored if the move fails. */
    private static void swapIn(Path staging, Path dest) throws IOException {
        Path old = null;
        if (Files.exists(dest)) {
            old = dest.resolveSibling("." + dest.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, dest, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteQuietly(old);
        }
    }

    static void deleteQuietly(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover hidden folder is harmless: the next add uses a new name
        }
    }
}
