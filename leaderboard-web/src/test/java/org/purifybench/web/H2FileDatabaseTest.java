package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.web.importing.ResultsImporter;
import org.yaml.snakeyaml.Yaml;

/**
 * The H2 file database as shipped: embedded without a network server, private to its owner, and the
 * leaderboard CLI refused with a clear message while a server holds it.
 */
class H2FileDatabaseTest {

    @TempDir Path tmp;

    /** The default URL of application.yml, the one used when PURIFYBENCH_DB_URL is not set. */
    static String shippedUrl() throws IOException {
        try (InputStream in = H2FileDatabaseTest.class.getResourceAsStream("/application.yml")) {
            Map<String, Object> yml = new Yaml().load(in);
            @SuppressWarnings("unchecked")
            Map<String, Object> ds = (Map<String, Object>) ((Map<String, Object>) yml.get("datasources")).get("default");
            String placeholder = (String) ds.get("url");
            assertTrue(placeholder.startsWith("${PURIFYBENCH_DB_URL:`") && placeholder.endsWith("`}"), placeholder);
            return placeholder.substring("${PURIFYBENCH_DB_URL:`".length(), placeholder.length() - 2);
        }
    }

    /** The shipped URL with its folder (./work/leaderboard) moved into the test's folder. */
    private String url() throws IOException {
        String shipped = shippedUrl();
        assertTrue(shipped.startsWith("jdbc:h2:file:./work/leaderboard/leaderboard;"), shipped);
        return shipped.replace("./work/leaderboard/", folder() + "/");
    }

    private Path folder() {
        return tmp.resolve("work").resolve("leaderboard");
    }

    /** The website as `serve` starts it: application.yml alone (no test environment), on a free port. */
    private EmbeddedServer serve(String url) {
        return ApplicationContext.builder().deduceEnvironment(false)
                .properties(Map.of("datasources.default.url", url, "micronaut.server.port", -1,
                        "purifybench.admin.password", "h2-test-password"))
                .run(EmbeddedServer.class);
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(folder())) {
            return s.sorted().toList();
        }
    }

    @Test
    void theShippedUrlOpensNoNetworkServer() throws IOException {
        String url = shippedUrl();
        assertFalse(url.toUpperCase(Locale.ROOT).contains("AUTO_SERVER"), url);
        assertFalse(url.toUpperCase(Locale.ROOT).contains("TCP:"), url);
        try (EmbeddedServer server = serve(url())) {
            server.getApplicationContext().getBean(ResultsImporter.class).importDocument(
                    ResultsDocuments.run("r1").result("pam", "badnet", 0, 0.8, 0.1, 0.1).bytes(), true);
            assertFalse(server.getApplicationContext().getRequiredProperty("datasources.default.url", String.class)
                    .toUpperCase(Locale.ROOT).contains("AUTO_SERVER"));
            assertTrue(Files.isRegularFile(folder().resolve("leaderboard.mv.db")), "the database is where the URL says");
            for (Path f : files()) {
                // AUTO_SERVER writes a lock file with the server's address and port (and the key to connect).
                assertFalse(f.getFileName().toString().endsWith(".lock.db"), "lock file " + f);
                if (f.getFileName().toString().endsWith(".db") && !f.getFileName().toString().endsWith(".mv.db")) {
                    String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains("server="), f + ": " + text);
                }
            }
            // H2's TCP server runs as a thread of this JVM named after it.
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("H2 TCP Server")),
                    "an H2 TCP server is listening");
        }
    }

    @Test
    void theDatabaseFolderIsCreated0700AndItsFiles0600() throws IOException {
        Assumptions.assumeTrue(posix(), "POSIX permissions");
        try (EmbeddedServer server = serve(url())) {
            assertEquals("rwx------", mode(folder()));
            assertFalse(files().isEmpty());
            for (Path f : files()) {
                assertEquals("rw-------", mode(f), f.toString());
            }
        }
    }

    @Test
    void anExistingOpenFolderAndFilesAreTightened() throws IOException {
        Assumptions.assumeTrue(posix(), "POSIX permissions");
        try (EmbeddedServer server = serve(url())) {
            assertTrue(server.isRunning());
        }
        // As an older version left them.
        Files.setPosixFilePermissions(folder(), PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path f : files()) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try (EmbeddedServer server = serve(url())) {
            assertEquals("rwx------", mode(folder()));
            for (Path f : files()) {
                assertEquals("rw-------", mode(f), f.toString());
            }
        }
    }

    @Test
    void aSharedFolderKeepsItsModeButTheDatabaseFilesArePrivate() throws IOException {
        Assumptions.assumeTrue(posix(), "POSIX permissions");
        Path shared = tmp.resolve("shared");
        Files.createDirectories(shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path other = Files.writeString(shared.resolve("notes.txt"), "someone else's file");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));
        try (EmbeddedServer server = serve(url().replace(folder() + "/", shared + "/"))) {
            assertEquals("rwxr-xr-x", mode(shared), "not ours to close");
            assertEquals("rw-r--r--", mode(other), "not ours");
            assertEquals("rw-------", mode(shared.resolve("leaderboard.mv.db")));
        }
    }

    /** The leaderboard CLI in its own JVM, as the launcher runs it; returns exit code and output. */
    private Object[] cli(String url, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.purifybench.web.LeaderboardMain"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "cli", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PURIFYBENCH_DB_URL", url);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the CLI did not finish: " + Files.readString(log));
        }
        return new Object[] {p.exitValue(), Files.readString(log)};
    }

    @Test
    void theCliIsRefusedWithAClearMessageWhileAServerHoldsTheDatabase() throws Exception {
        String url = url();
        try (EmbeddedServer server = serve(url)) {
            assertTrue(server.isRunning());
            Object[] r = cli(url, "publish", "no-such-run");
            String out = (String) r[1];
            assertEquals(2, r[0], out);
            assertTrue(out.contains("error: the leaderboard database is in use by a running server"), out);
            assertTrue(out.contains("/api/admin/runs") && out.contains("stop the server"), out);
            assertFalse(out.contains("\tat ") || out.contains("90020") || out.contains("Exception"), "no raw H2 error: " + out);
            // A second server on the same database is refused the same way (it used to share it over AUTO_SERVER).
            Object[] second = cli(url, "serve", "--port=-1");
            String secondOut = (String) second[1];
            assertEquals(2, second[0], secondOut);
            assertTrue(secondOut.contains("error: the leaderboard database is in use by a running server"), secondOut);
            assertTrue(secondOut.contains("stop that server first"), secondOut);
            assertFalse(secondOut.contains("\tat ") || secondOut.contains("Exception"), "no raw H2 error: " + secondOut);
        }
        // The server stopped: the same command reaches the database (and finds no such run).
        Object[] r = cli(url, "publish", "no-such-run");
        assertEquals(1, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("error: no run 'no-such-run'"), (String) r[1]);
    }
}
