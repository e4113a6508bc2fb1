package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

/**
 * {@code data add} with archives built here and a catalog whose published checksums are theirs:
 * verified install, mismatch refused, hostile archives refused, a failed add keeps the old copy,
 * and download from a local HTTP server. Nothing touches the network or ~/.purifybench.
 */
class DataAddTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

    /** CIFAR-10 binary files (one record per batch) as the tarball lays them out. */
    private static Map<String, byte[]> cifarFiles(int fill) {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (int b = 1; b <= 5; b++) {
            byte[] r = new byte[3073];
            r[0] = (byte) (b - 1);
            java.util.Arrays.fill(r, 1, r.length, (byte) fill);
            files.put("cifar-10-batches-bin/data_batch_" + b + ".bin", r);
        }
        byte[] t = new byte[3073];
        t[0] = 9;
        files.put("cifar-10-batches-bin/test_batch.bin", t);
        files.put("cifar-10-batches-bin/batches.meta.txt", "airplane\n".getBytes(StandardCharsets.US_ASCII));
        return files;
    }

    private Path tarGz(String name, Map<String, byte[]> files) throws IOException {
        Path f = tmp.resolve(name);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(f)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true); // true: keep a leading '/' as a hostile archive would
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return f;
    }

    private Path zip(String name, Map<String, byte[]> files) throws IOException {
        Path f = tmp.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return f;
    }

    /** A catalog whose cifar10 "binary" archive is {@code archive}, published at {@code url}. */
    private static DataCatalog catalogFor(Path archive, String url) throws IOException {
        Checksums.Digest d = Checksums.of(archive);
        return new DataCatalog(List.of(new DataCatalog.Entry("cifar10", "test", List.of(new DataCatalog.Variant("binary",
                List.of(new DataCatalog.Archive("cifar-10-binary.tar.gz", url == null ? List.of() : List.of(url), d.md5(), d.sha256(), d.size(),
                        "the test's own catalog")), "cifar-10-batches-bin", Map.of(), null)), "x")));
    }

    private Path dataDir() {
        return tmp.resolve("data");
    }

    @Test
    void aVerifiedTarGzIsInstalledWithAManifestAndLoadsVerified() throws IOException {
        Path archive = tarGz("cifar-10-binary.tar.gz", cifarFiles(7));
        DataCatalog catalog = catalogFor(archive, null);
        Path folder = new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(archive.toString()));
        assertEquals(dataDir().resolve("cifar10"), folder);
        DataManifest m = DataManifest.read(folder).orElseThrow();
        assertEquals("binary", m.variant());
        assertEquals(Checksums.of(archive).md5(), m.archives().get(0).md5());
        assertEquals(7, m.files().size());
        Dataset d = Cifar10.load(folder, catalog);
        assertTrue(d.verification().verified(), d.verification().summary());
        assertTrue(d.verification().summary().contains("the test's own catalog"), d.verification().summary());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, d.train().labels());
        assertEquals(7f / 255f, d.train().images().getFloat(0, 0, 0, 0), 1e-7);
        // through the dispatch with a data dir, as runs call it
        assertTrue(Datasets.load("cifar10", null, dataDir()).verification().summary().startsWith("UNVERIFIED"),
                "the official catalog does not know the generated archive");
        assertNoLeftovers();
    }

    @Test
    void filesChangedAfterTheAddAreUnverified() throws IOException {
        Path archive = tarGz("cifar-10-binary.tar.gz", cifarFiles(7));
        DataCatalog catalog = catalogFor(archive, null);
        Path folder = new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(archive.toString()));
        Path batch = folder.resolve("cifar-10-batches-bin/data_batch_2.bin");
        byte[] b = Files.readAllBytes(batch);
        b[100] = 1;
        Files.write(batch, b);
        DataVerification v = Cifar10.load(folder, catalog).verification();
        assertFalse(v.verified());
        assertTrue(v.summary().contains("data_batch_2.bin") && v.summary().contains("modified"), v.summary());
    }

    @Test
    void aZipIsInstalledToo() throws IOException {
        Path archive = zip("cifar-10-binary.tar.gz", cifarFiles(3));
        DataCatalog catalog = catalogFor(archive, null);
        Path folder = new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(archive.toString()));
        assertTrue(Files.isRegularFile(folder.resolve("cifar-10-batches-bin/test_batch.bin")));
        assertTrue(Cifar10.load(folder, catalog).verification().verified());
    }

    @Test
    void aChecksumMismatchIsRefusedNamingExpectedAndActual() throws IOException {
        Path good = tarGz("good.tar.gz", cifarFiles(1));
        DataCatalog catalog = catalogFor(good, null);
        Path other = tarGz("cifar-10-binary.tar.gz", cifarFiles(2));
        UserException e = assertThrows(UserException.class,
                () -> new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(other.toString())));
        String actual = Checksums.of(other).md5();
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains(actual)
                && e.getMessage().contains(Checksums.of(good).md5()), e.getMessage());
        assertFalse(Files.exists(dataDir().resolve("cifar10")));
        assertNoLeftovers();
    }

    /** Installs a good copy, then runs {@code add} with a hostile archive whose checksum the catalog lists. */
    private UserException refusedOverAGoodCopy(Path hostile) throws IOException {
        Path good = tarGz("good.tar.gz", cifarFiles(5));
        new DataAdd(catalogFor(good, null), dataDir(), out).add("cifar10", List.of(good.toString()));
        Map<String, String> before = DataManifest.read(dataDir().resolve("cifar10")).orElseThrow().files();
        UserException e = assertThrows(UserException.class,
                () -> new DataAdd(catalogFor(hostile, null), dataDir(), out).add("cifar10", List.of(hostile.toString())));
        // the good copy is untouched: same manifest, same files
        assertEquals(before, DataManifest.read(dataDir().resolve("cifar10")).orElseThrow().files());
        for (Map.Entry<String, String> f : before.entrySet()) {
            assertEquals(f.getValue(), Checksums.md5(dataDir().resolve("cifar10").resolve(f.getKey())));
        }
        assertNoLeftovers();
        return e;
    }

    @Test
    void zipSlipIsRefused() throws IOException {
        UserException e = refusedOverAGoodCopy(zip("evil.zip", Map.of("cifar-10-batches-bin/ok.bin", new byte[3], "../escaped.txt", new byte[3])));
        assertTrue(e.getMessage().contains("climbs out") && e.getMessage().contains("../escaped.txt"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escaped.txt")));
        assertFalse(Files.exists(dataDir().resolve("escaped.txt")));
    }

    @Test
    void anAbsolutePathIsRefused() throws IOException {
        Path target = tmp.resolve("abs-target.txt");
        UserException e = refusedOverAGoodCopy(tarGz("evil.tar.gz", Map.of(target.toString(), new byte[3])));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void anAbsolutePathInAZipIsRefused() throws IOException {
        Path target = tmp.resolve("abs-zip-target.txt");
        UserException e = refusedOverAGoodCopy(zip("evil.zip", Map.of(target.toString(), new byte[3])));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void aSymlinkIsRefused() throws IOException {
        Path f = tmp.resolve("link.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(f)))) {
            TarArchiveEntry link = new TarArchiveEntry("cifar-10-batches-bin", TarConstants.LF_SYMLINK);
            link.setLinkName("/etc");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
            TarArchiveEntry through = new TarArchiveEntry("cifar-10-batches-bin/passwd");
            through.setSize(1);
            tar.putArchiveEntry(through);
            tar.write(1);
            tar.closeArchiveEntry();
        }
        UserException e = refusedOverAGoodCopy(f);
        assertTrue(e.getMessage().contains("link") && e.getMessage().contains("/etc"), e.getMessage());
    }

    @Test
    void aZipBombStopsAtTheByteCap() throws IOException {
        Path bomb = zip("bomb.zip", Map.of("cifar-10-batches-bin/zeros.bin", new byte[1 << 20]));
        UserException e = assertThrows(UserException.class, () -> new DataAdd(catalogFor(bomb, null), dataDir(),
                new ArchiveUnpacker.Limits(64 * 1024, 100), out).add("cifar10", List.of(bomb.toString())));
        assertTrue(e.getMessage().contains("more than 65536 bytes"), e.getMessage());
        assertNoLeftovers();
    }

    @Test
    void tooManyEntriesAreRefused() throws IOException {
        Map<String, byte[]> many = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            many.put("cifar-10-batches-bin/f" + i, new byte[1]);
        }
        Path archive = zip("many.zip", many);
        UserException e = assertThrows(UserException.class, () -> new DataAdd(catalogFor(archive, null), dataDir(),
                new ArchiveUnpacker.Limits(1 << 20, 10), out).add("cifar10", List.of(archive.toString())));
        assertTrue(e.getMessage().contains("more than 10 entries"), e.getMessage());
    }

    @Test
    void aFailedUnpackKeepsTheOldCopy() throws IOException {
        // the catalog vouches for these bytes, but they are a cut-off gzip: unpacking fails midway
        Path whole = tarGz("whole.tar.gz", cifarFiles(9));
        byte[] b = Files.readAllBytes(whole);
        Path cut = tmp.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length / 2));
        UserException e = refusedOverAGoodCopy(cut);
        assertTrue(e.getMessage().contains("cannot install cifar10") || e.getMessage().contains("refused"), e.getMessage());
    }

    @Test
    void aSecondGoodAddReplacesTheFirst() throws IOException {
        Path one = tarGz("one.tar.gz", cifarFiles(1));
        Path two = tarGz("two.tar.gz", cifarFiles(2));
        new DataAdd(catalogFor(one, null), dataDir(), out).add("cifar10", List.of(one.toString()));
        new DataAdd(catalogFor(two, null), dataDir(), out).add("cifar10", List.of(two.toString()));
        assertEquals(2f / 255f, Cifar10.load(dataDir().resolve("cifar10")).train().images().getFloat(0, 0, 0, 0), 1e-7);
        assertNoLeftovers();
    }

    @Test
    void multiArchiveDatasetsNeedAllTheirArchives() throws IOException {
        Path a = zip("a.zip", Map.of("A/x", new byte[1]));
        Path b = zip("b.zip", Map.of("B/y", new byte[1]));
        Checksums.Digest da = Checksums.of(a);
        Checksums.Digest db = Checksums.of(b);
        DataCatalog catalog = new DataCatalog(List.of(new DataCatalog.Entry("gtsrb", "test", List.of(new DataCatalog.Variant("all", List.of(
                new DataCatalog.Archive("a.zip", List.of(), da.md5(), null, -1, "test"),
                new DataCatalog.Archive("b.zip", List.of(), db.md5(), null, -1, "test")), ".", Map.of(), null)), "x")));
        UserException e = assertThrows(UserException.class, () -> new DataAdd(catalog, dataDir(), out).add("gtsrb", List.of(a.toString())));
        assertTrue(e.getMessage().contains("missing: b.zip"), e.getMessage());
        Path folder = new DataAdd(catalog, dataDir(), out).add("gtsrb", List.of(a.toString(), b.toString()));
        assertTrue(Files.isRegularFile(folder.resolve("A/x")) && Files.isRegularFile(folder.resolve("B/y")));
    }

    @Test
    void aUrlIsDownloadedFromALocalServerThenVerified() throws IOException {
        Path archive = tarGz("served.tar.gz", cifarFiles(4));
        byte[] bytes = Files.readAllBytes(archive);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/kriz/cifar-10-binary.tar.gz", x -> {
            x.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(bytes);
            }
        });
        server.createContext("/elsewhere/cifar-10-binary.tar.gz", x -> {
            byte[] other = "not the archive".getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, other.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(other);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String url = base + "/kriz/cifar-10-binary.tar.gz";
            DataCatalog catalog = catalogFor(archive, url);
            Path folder = new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(url));
            assertTrue(Cifar10.load(folder, catalog).verification().verified());
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("downloading " + url), log.toString(StandardCharsets.UTF_8));
            assertEquals(url, DataManifest.read(folder).orElseThrow().archives().get(0).origin());
            // a URL the catalog does not list is accepted only if its bytes match a published checksum: these do not
            UserException e = assertThrows(UserException.class,
                    () -> new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(base + "/elsewhere/cifar-10-binary.tar.gz")));
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
            UserException missing = assertThrows(UserException.class,
                    () -> new DataAdd(catalog, dataDir(), out).add("cifar10", List.of(base + "/nothing/cifar-10-binary.tar.gz")));
            assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
            assertTrue(Cifar10.load(folder, catalog).verification().verified(), "the installed copy survived the failed adds");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void tinyImageNetFromAVerifiedZipLoadsVerifiedAndItsCacheKeepsThat() throws IOException {
        Path src = tmp.resolve("src");
        TinyImageNetTest.writeTiny(src.resolve("tiny-imagenet-200"));
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> all = Files.walk(src)) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                files.put(src.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        Path archive = zip("tiny-imagenet-200.zip", files);
        Checksums.Digest d = Checksums.of(archive);
        DataCatalog catalog = new DataCatalog(List.of(new DataCatalog.Entry("tiny-imagenet", "test", List.of(new DataCatalog.Variant("zip",
                List.of(new DataCatalog.Archive("tiny-imagenet-200.zip", List.of(), d.md5(), null, -1, "the test's own catalog")),
                "tiny-imagenet-200", Map.of(), null)), "x")));
        Path folder = new DataAdd(catalog, dataDir(), out).add("tiny-imagenet", List.of(archive.toString()));
        Dataset first = TinyImageNet.load(folder, m -> { }, catalog);
        assertTrue(first.verification().verified(), first.verification().summary());
        int decodes = DecodedCache.DECODES.get();
        Dataset second = TinyImageNet.load(folder, m -> { }, catalog);
        assertEquals(decodes, DecodedCache.DECODES.get());
        assertEquals(first.verification(), second.verification());
    }

    /** No staging folder, set-aside copy or partial download is left in the data dir. */
    private void assertNoLeftovers() throws IOException {
        if (!Files.isDirectory(dataDir())) {
            return;
        }
        try (Stream<Path> s = Files.list(dataDir())) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") && !n.equals(".downloads")).toList();
            assertTrue(names.isEmpty(), names.toString());
        }
    }
}
