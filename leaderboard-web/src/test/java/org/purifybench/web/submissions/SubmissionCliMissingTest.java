package org.purifybench.web.submissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;

/** A server whose CLI setting points nowhere fails the job with a message, instead of leaving it claimed forever. */
class SubmissionCliMissingTest {
    @Test
    void aJobFailsWithAMessageWhenTheCliCannotStart(@TempDir Path dir) throws Exception {
        Map<String, Object> props = Map.of("purifybench.submissions.enabled", "true",
                "purifybench.submissions.cli", dir.resolve("no-such-purifybench").toString(),
                "purifybench.submissions.data-dir", dir.resolve("data").toString(),
                "purifybench.submissions.poll-interval", "100ms",
                "datasources.default.url", "jdbc:h2:mem:nocli-" + UUID.randomUUID() + ";DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
            String id = server.getApplicationContext().getBean(SubmissionService.class).receive(
                    new ByteArrayInputStream(SubmissionHttp.jar("defense=x")), "x.jar", "Team", "nocli@example.org").id();
            SubmissionRepository repo = server.getApplicationContext().getBean(SubmissionRepository.class);
            long end = System.nanoTime() + 20_000_000_000L;
            SubmissionRecord s = repo.findById(id).orElseThrow();
            while (!SubmissionState.FAILED.equals(s.status()) && System.nanoTime() < end) {
                Thread.sleep(100);
                s = repo.findById(id).orElseThrow();
            }
            if (!SubmissionState.FAILED.equals(s.status())) {
                fail("never failed: " + s);
            }
            assertTrue(s.message().contains("could not start the PurifyBench command"), s.message());
            assertTrue(s.message().contains("purifybench.submissions.cli"), s.message());
            assertEquals(0, s.attempts());
        }
    }
}
