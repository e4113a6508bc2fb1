package org.purifybench.web.importing;

import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;
import org.purifybench.web.store.BoardVersionRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;
import org.purifybench.web.submissions.SubmissionState;

/**
 * The admin actions besides import: publish and delete (child rows go by ON DELETE CASCADE). A run
 * that came from a website submission takes the submission along, whichever way the admin acts
 * (the admin page, the API, the CLI): publishing it publishes the submission, deleting it rejects it.
 */
@Singleton
public class RunAdministration {

    private final RunRepository runs;
    private final BoardVersionRepository versions;
    private final SubmissionRepository submissions;

    public RunAdministration(RunRepository runs, BoardVersionRepository versions, SubmissionRepository submissions) {
        this.runs = runs;
        this.versions = versions;
        this.submissions = submissions;
    }

    /** @return false when there is no such run */
    @Transactional
    public boolean publish(String runId) {
        Optional<RunRecord> run = runs.findByRunId(runId);
        run.ifPresent(r -> {
            runs.updateStatus(r.id(), RunRecord.PUBLISHED);
            versions.bump();
            for (SubmissionRecord s : submissions.findByRunId(runId)) {
                submissions.transition(s.id(), SubmissionState.PENDING_REVIEW, SubmissionState.PUBLISHED, Instant.now());
            }
        });
        return run.isPresent();
    }

    /** @return false when there is no such run */
    @Transactional
    public boolean delete(String runId) {
        Optional<RunRecord> run = runs.findByRunId(runId);
        run.ifPresent(r -> {
            runs.deleteById(r.id());
            versions.bump();
            for (SubmissionRecord s : submissions.findByRunId(runId)) {
                if (s.status().equals(SubmissionState.PENDING_REVIEW) || s.status().equals(SubmissionState.PUBLISHED)) {
                    submissions.finish(s.id(), s.status(), SubmissionState.REJECTED, "its results were deleted by an admin", s.logTail(),
                            s.runId(), Instant.now());
                }
            }
        });
        return run.isPresent();
    }
}
