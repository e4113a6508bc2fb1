package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

public interface SubmissionRepository extends CrudRepository<SubmissionRecord, String> {

    List<SubmissionRecord> findAllOrderByCreatedAtDesc();

    /** The oldest submission in {@code status}: the queue is first come, first served. */
    Optional<SubmissionRecord> findFirstByStatusOrderByCreatedAt(String status);

    long countByContactAndStatusIn(String contact, Collection<String> statuses);

    List<SubmissionRecord> findByRunId(String runId);

    List<SubmissionRecord> findByStatusIn(Collection<String> statuses);

    /** The bytes of the jars kept on disk (the storage quota), given the states in which a jar is kept. */
    @Query("SELECT COALESCE(SUM(jar_bytes), 0) FROM submissions WHERE status IN (:statuses)")
    long sumJarBytes(Collection<String> statuses);

    /**
     * Moves one submission from {@code from} to {@code to} only if it is still in {@code from}:
     * the workers claim jobs and the admin acts on them with this, so two of them never both win.
     * @return 1 when it moved, 0 when it was not in {@code from} any more
     */
    @Query("UPDATE submissions SET status = :to, updated_at = :now WHERE id = :id AND status = :from")
    long transition(String id, String from, String to, Instant now);

    /** At start-up: jobs a stopped server left half done go back into the queue. */
    @Query("UPDATE submissions SET status = :to, updated_at = :now WHERE status = :from")
    long transitionAll(String from, String to, Instant now);

    /** Claims a queued job for a run: counts the attempt and stamps the start. */
    @Query("UPDATE submissions SET status = 'running', attempts = attempts + 1, started_at = :now, updated_at = :now"
            + " WHERE id = :id AND status = 'queued'")
    long claimRun(String id, Instant now);

    /** A job's end: its state, the message and log tail for the submitter, and the run it produced. */
    @Query("UPDATE submissions SET status = :to, message = :message, log_tail = :logTail, run_id = :runId,"
            + " finished_at = :now, updated_at = :now WHERE id = :id AND status = :from")
    long finish(String id, String from, String to, @Nullable String message, @Nullable String logTail,
                @Nullable String runId, Instant now);

    /** Admission accepted the jar: it is queued, with the defense admission found in it. */
    @Query("UPDATE submissions SET status = 'queued', plugin_id = :pluginId, plugin_version = :pluginVersion,"
            + " plugin_needs = :pluginNeeds, message = NULL, log_tail = NULL, updated_at = :now WHERE id = :id AND status = 'admitting'")
    long queue(String id, String pluginId, String pluginVersion, String pluginNeeds, Instant now);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends SubmissionRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends SubmissionRepository {
    }
}
