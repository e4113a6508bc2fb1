package org.purifybench.web.importing;

import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/** The admin actions besides import: publish and delete (child rows go by ON DELETE CASCADE). */
@Singleton
public class RunAdministration {

    private final RunRepository runs;

    public RunAdministration(RunRepository runs) {
        this.runs = runs;
    }

    /** @return false when there is no such run */
    @Transactional
    public boolean publish(String runId) {
        Optional<RunRecord> run = runs.findByRunId(runId);
        run.ifPresent(r -> runs.updateStatus(r.id(), RunRecord.PUBLISHED));
        return run.isPresent();
    }

    /** @return false when there is no such run */
    @Transactional
    public boolean delete(String runId) {
        Optional<RunRecord> run = runs.findByRunId(runId);
        run.ifPresent(r -> runs.deleteById(r.id()));
        return run.isPresent();
    }
}
