package org.purifybench.web.importing;

import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.purifybench.web.store.BoardVersionRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/** The admin actions besides import: publish and delete (child rows go by ON DELETE CASCADE). */
@Singleton
public class RunAdministration {

    private final RunRepository runs;
    private final BoardVersionRepository versions;

    public RunAdministration(RunRepository runs, BoardVersionRepository versions) {
        this.runs = runs;
        this.versions = versions;
    }

    /** @return false when there is no such run */
    @Transactional
    public boolean publish(String runId) {
        Optional<RunRecord> run = runs.findByRunId(runId);
        run.ifPresent(r -> {
            runs.updateStatus(r.id(), RunRecord.PUBLISHED);
            versions.bump();
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
        });
        return run.isPresent();
    }
}
