package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the real launcher ({@code ../purifybench}, the platform's build): a defense jar
 * compiled here against the SPI jar of that build and a hostile jar are uploaded through the form;
 * the real {@code admit} refuses the hostile one with its real reason, the real {@code run} runs
 * the other on a tiny synthetic matrix with the defense in the sandbox, the results are imported as
 * pending, the admin publishes them and they are on the leaderboard.
 *
 * <p>Skipped when the CLI is not built, or older than its sources (the launcher would then run
 * {@code mvn install} in the middle of the test); fails instead when {@code PURIFYBENCH_REQUIRE_CLI=1}.
 */
class RealCliSubmissionTest {
    private static final String DEFENSE = "e2e-keep";
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    static final String MATRIX = """
            name: web-e2e
            description: a tiny synthetic matrix for the website's end-to-end test
            dataset: {id: synthetic, path: null, trainLimit: 600, testLimit: 200}
            splits: {tuningFraction: 0.1, validationFraction: 0.05, retuningPoolSize: 80}
            model: {arch: cnn-small, width: 4}
            training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005, schedule: cosine}
            attacks: [{id: badnet}]
            poisonRates: [0.1]
            targetLabel: 0
            defenses: [{id: none}, {id: clean}]
            evaluators: [{id: accuracy}, {id: ra, params: {samples: 60, epochs: 1, poison-count: 3}}]
            seeds: [0]
            """;

    /** Why the CLI cannot be used here, or null when it can. */
    static String cliProblem() throws IOException {
        Path launcher = REPO.resolve("purifybench");
        Path target = REPO.resolve("platform/cli/target");
        if (!Files.isExecutable(launcher)) {
            return "no launcher at " + launcher;
        }
        Path jar;
        try (Stream<Path> s = Files.list(target)) {
            jar = s.filter(p -> p.getFileName().toString().matches("purifybench-cli-.*\\.jar")).findFirst().orElse(null);
        } catch (IOException e) {
            jar = null;
        }
        if (jar == null || !Files.isDirectory(target.resolve("lib"))) {
            return "the CLI is not built (no " + target + "/purifybench-cli-*.jar and lib/)";
        }
        // the launcher's own staleness rule: a source, resource or pom newer than the CLI jar
        FileTime built = Files.getLastModifiedTime(jar);
        List<Path> roots = new ArrayList<>(List.of(REPO.resolve("pom.xml"), REPO.resolve("platform"), REPO.resolve("leaderboard-web")));
        try (Stream<Path> s = Files.list(REPO)) {
            s.filter(p -> p.getFileName().toString().startsWith("plugins-")).forEach(roots::add);
        }
        for (Path root : roots) {
            try (Stream<Path> s = Files.walk(root)) {
                Path newer = s.filter(p -> !p.toString().contains("/target/") && Files.isRegularFile(p))
                        .filter(p -> p.toString().endsWith(".java") || p.getFileName().toString().equals("pom.xml")
                                || p.toString().contains("/src/main/resources/"))
                        .filter(p -> {
                            try {
                                return Files.getLastModifiedTime(p).compareTo(built) > 0;
                            } catch (IOException e) {
                                return false;
                            }
                        }).findFirst().orElse(null);
                if (newer != null) {
                    return "the CLI build is older than " + newer + " (the launcher would rebuild and install it during the test)";
                }
            }
        }
        return null;
    }

    private static void requireCli() throws IOException {
        String problem = cliProblem();
        if (problem == null) {
            return;
        }
        String message = problem + " - build the platform first (mvn -B -DskipTests package at the root, or ./purifybench once)";
        if ("1".equals(System.getenv("PURIFYBENCH_REQUIRE_CLI"))) {
            fail("PURIFYBENCH_REQUIRE_CLI=1 but " + message);
        }
        Assumptions.abort("skipped: " + message + "; set PURIFYBENCH_REQUIRE_CLI=1 to make this a failure");
    }

    /** A defense that returns the model unchanged, compiled against the build's SPI jar. */
    private static Path defenseJar(Path dir) throws Exception {
        var javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "needs a JDK (javax.tools)");
        Path spi;
        try (Stream<Path> s = Files.list(REPO.resolve("platform/cli/target/lib"))) {
            spi = s.filter(p -> p.getFileName().toString().startsWith("purifybench-spi-")).findFirst().orElseThrow();
        }
        Path src = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(src.resolve("Keep.java"), """
                package org.example.keep;
                import org.purifybench.spi.*;
                public class Keep implements Defense {
                    public PluginDescriptor descriptor() {
                        return PluginDescriptor.of(Kind.DEFENSE, "%s", "1.0", "returns the model unchanged", "");
                    }
                    public Model purify(DefenseContext context) {
                        return context.backdooredModel();
                    }
                }
                """.formatted(DEFENSE));
        assertEquals(0, javac.run(null, null, System.err, "-proc:none", "--release", "17", "-d", classes.toString(),
                "-classpath", spi.toString(), src.resolve("Keep.java").toString()));
        Path jar = dir.resolve("keep-1.0.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            put(j, "org/example/keep/Keep.class", Files.readAllBytes(classes.resolve("org/example/keep/Keep.class")));
            put(j, "META-INF/services/org.purifybench.spi.Defense", "org.example.keep.Keep\n".getBytes(StandardCharsets.UTF_8));
            put(j, "META-INF/purifybench/plugin.properties", ("spi-version = 1\ndefense." + DEFENSE + ".class = org.example.keep.Keep\n"
                    + "defense." + DEFENSE + ".version = 1.0\ndefense." + DEFENSE + ".needs =\ndefense." + DEFENSE
                    + ".description = returns the model unchanged\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /** A jar with an entry that would leave any folder it is extracted to. */
    private static Path traversalJar(Path dir) throws Exception {
        Path jar = dir.resolve("evil.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os)) {
            put(j, "../../evil.class", new byte[] {(byte) 0xCA, (byte) 0xFE});
            put(j, "META-INF/purifybench/plugin.properties", "spi-version = 1\n".getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static void put(JarOutputStream j, String name, byte[] bytes) throws IOException {
        j.putNextEntry(new JarEntry(name));
        j.write(bytes);
        j.closeEntry();
    }

    @Test
    void aRealJarGoesThroughTheRealCliFromUploadToTheLeaderboard(@TempDir Path dir) throws Exception {
        requireCli();
        Path good = defenseJar(dir);
        Path evil = traversalJar(dir);
        Path matrix = dir.resolve("web-e2e.yaml");
        Files.writeString(matrix, MATRIX);
        Map<String, Object> props = Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", REPO.resolve("purifybench").toString(),
                "purifybench.submissions.data-dir", dir.resolve("data").toString(),
                "purifybench.submissions.matrix", matrix.toString(),
                "purifybench.submissions.run-timeout", "10m",
                "purifybench.submissions.admit-timeout", "3m",
                "purifybench.submissions.poll-interval", "200ms",
                "datasources.default.url", "jdbc:h2:mem:e2e-" + UUID.randomUUID() + ";DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props, "test");
             HttpClient client = HttpClient.create(server.getURL())) {
            SubmissionHttp web = new SubmissionHttp(client);
            String evilLink = web.submit("evil.jar", Files.readAllBytes(evil), "evil@example.org");
            String goodLink = web.submit("keep-1.0.jar", Files.readAllBytes(good), "keep@example.org");

            String refused = web.awaitStatus(evilLink, "refused", Duration.ofMinutes(3));
            assertTrue(refused.contains("Refused at admission: its entry") && refused.contains("../../evil.class"), refused);

            String pending = web.awaitStatus(goodLink, "pending_review", Duration.ofMinutes(8));
            String id = SubmissionHttp.idOf(goodLink);
            String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(good)));
            assertTrue(pending.contains(sha), pending);
            String results = SubmissionHttp.body(web.send(HttpRequest.GET("/submissions/" + id + "/results?token="
                    + goodLink.split("token=")[1])));
            assertTrue(results.contains(DEFENSE), results);
            assertTrue(results.contains(sha), "the run's results name the uploaded jar by its SHA-256: " + results);
            assertFalse(results.contains("clean</td>"), "the matrix's other defenses were replaced by the submitted one");
            assertTrue(results.contains("defenses [none, " + DEFENSE + "] chosen on the command line"), "and the run says so");

            String api = "/api/leaderboard?dataset=synthetic&model=cnn-small&rate=0.1";
            assertFalse(SubmissionHttp.body(web.send(HttpRequest.GET(api))).contains(DEFENSE), "pending: not public");
            assertEquals(200, web.adminAction("/admin/submissions/" + id + "/publish", null).code());
            web.awaitStatus(goodLink, "published", Duration.ofSeconds(10));
            assertTrue(SubmissionHttp.body(web.send(HttpRequest.GET(api))).contains("\"" + DEFENSE + "\""), "on the leaderboard");
        }
    }
}
