package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.purifybench.web.submissions.SubmissionHttp.body;
import static org.purifybench.web.submissions.SubmissionHttp.jar;

import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.web.store.SubmissionRepository;

/**
 * Anonymous uploads cannot fill the disk: the per-address upload rate (whatever contact is typed)
 * and the storage quota of the kept jars, each with small limits on a server of its own.
 */
class SubmissionLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DEFENSE = SubmissionsTest.DEFENSE;

    private static EmbeddedServer server(Path dir, Map<String, String> limits) throws Exception {
        Path script = StandInCli.write(dir.resolve("cli"), DEFENSE);
        Map<String, Object> props = new HashMap<>(Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", script.toString(),
                "purifybench.submissions.data-dir", dir.resolve("data").toString(),
                "purifybench.submissions.poll-interval", "100ms",
                "purifybench.submissions.max-jar-bytes", "1000",
                "datasources.default.url", "jdbc:h2:mem:limits-" + UUID.randomUUID() + ";DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1"));
        props.putAll(limits);
        return ApplicationContext.run(EmbeddedServer.class, props, "test");
    }

    private static List<Path> jars(Path data) throws Exception {
        return files(data).stream().filter(p -> p.getFileName().toString().equals(SubmissionService.JAR)).toList();
    }

    private static List<Path> files(Path data) throws Exception {
        try (Stream<Path> s = Files.walk(data)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void oneAddressStoresAtMostTheConfiguredUploadsAnHourWhateverContactItTypes(@TempDir Path dir) throws Exception {
        try (EmbeddedServer server = server(dir, Map.of("purifybench.submissions.max-uploads-per-hour-per-address", "2"));
             HttpClient client = HttpClient.create(server.getURL())) {
            SubmissionHttp web = new SubmissionHttp(client);
            // a refused upload (over max-jar-bytes) does not count
            assertEquals(413, web.send(web.upload("big.jar", new byte[1001], "n", "a@example.org", web.formToken())).code());
            web.submit("a.jar", jar("defense=" + DEFENSE + " mode=refuse one"), "a@example.org");
            web.submit("b.jar", jar("defense=" + DEFENSE + " mode=refuse two"), "b@example.org");
            SubmissionRepository repo = server.getApplicationContext().getBean(SubmissionRepository.class);
            long stored = repo.count();

            HttpResponse<String> third = web.send(web.upload("c.jar", jar("defense=" + DEFENSE + " mode=refuse three"), "n",
                    "c@example.org", web.formToken()));
            assertEquals(429, third.code(), body(third));
            assertTrue(body(third).contains("This address has uploaded 2 jars in the last hour, the limit"
                    + " (purifybench.submissions.max-uploads-per-hour-per-address) - try again in "), body(third));
            long retryAfter = Long.parseLong(third.getHeaders().get("Retry-After"));
            assertTrue(retryAfter > 0 && retryAfter <= 3600, "Retry-After " + retryAfter);
            assertEquals(stored, repo.count(), "nothing recorded");
        }
    }

    @Test
    void theKeptJarsStayWithinTheStorageQuotaAndRefusedJarsFreeTheirSpace(@TempDir Path dir) throws Exception {
        byte[] ok1 = jar("defense=" + DEFENSE + " mode=ok first");
        byte[] refused = jar("defense=" + DEFENSE + " mode=refuse");
        byte[] ok2 = jar("defense=" + DEFENSE + " mode=ok second");
        byte[] ok3 = jar("defense=" + DEFENSE + " mode=ok third");
        assertTrue(refused.length <= ok2.length);
        long quota = ok1.length + ok2.length;
        try (EmbeddedServer server = server(dir, Map.of("purifybench.submissions.max-stored-jar-bytes", Long.toString(quota)));
             HttpClient client = HttpClient.create(server.getURL())) {
            SubmissionHttp web = new SubmissionHttp(client);
            web.submit("ok1.jar", ok1, "one@example.org");
            web.awaitStatus(web.submit("refused.jar", refused, "two@example.org"), "refused", WAIT); // its jar is deleted
            web.submit("ok2.jar", ok2, "three@example.org"); // fits exactly: ok1 + ok2 = the quota

            SubmissionRepository repo = server.getApplicationContext().getBean(SubmissionRepository.class);
            long stored = repo.count();
            Path data = dir.resolve("data");
            List<Path> before = jars(data);
            HttpResponse<String> full = web.send(web.upload("ok3.jar", ok3, "n", "four@example.org", web.formToken()));
            assertEquals(507, full.code(), body(full));
            assertTrue(body(full).contains("The server&#39;s storage for submitted jars is full"), body(full));
            assertTrue(body(full).contains("(purifybench.submissions.max-stored-jar-bytes)"), body(full));
            assertTrue(body(full).contains("try again in a day, or write to the site&#39;s admin"), body(full));
            assertEquals(stored, repo.count(), "nothing recorded");
            assertEquals(before, jars(data), "no jar kept");
            assertEquals(List.of(), files(data.resolve("incoming")), "the refused upload's part file is gone");
            assertEquals(2, before.size(), "the two admitted jars; not the refused one's");
        }
    }
}
