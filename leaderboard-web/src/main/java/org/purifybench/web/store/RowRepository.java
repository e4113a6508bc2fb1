package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

public interface RowRepository extends CrudRepository<RowRecord, Long> {

    long countByRunPk(Long runPk);

    /** A run's rows, for the admin's preview of a pending run. */
    List<RowRecord> findByRunPk(Long runPk);

    /**
     * Per (run, defense, attack, seed, evaluator, metric) means of a track's rows (runs of every
     * status: the caller keeps the published ones); SQL does the grouping so a page reads a few
     * hundred rows, not all.
     */
    @Query("SELECT r.run_pk AS run_pk, r.defense AS defense, r.attack AS attack, r.seed AS seed, r.evaluator AS evaluator,"
            + " r.metric AS metric, AVG(r.metric_value) AS mean_value"
            + " FROM result_rows r JOIN runs u ON u.id = r.run_pk"
            + " WHERE u.status = 'published' AND r.dataset = :dataset AND r.model = :model"
            + " AND r.poison_rate = :poisonRate AND r.evaluator IN (:evaluators)"
            + " GROUP BY r.run_pk, r.defense, r.attack, r.seed, r.evaluator, r.metric")
    List<RunMetric> trackRunMetrics(String dataset, String model, double poisonRate, List<String> evaluators);

    /** The same for one defense, all evaluators (the defense page). */
    @Query("SELECT r.run_pk AS run_pk, r.defense AS defense, r.attack AS attack, r.seed AS seed, r.evaluator AS evaluator,"
            + " r.metric AS metric, AVG(r.metric_value) AS mean_value"
            + " FROM result_rows r JOIN runs u ON u.id = r.run_pk"
            + " WHERE u.status = 'published' AND r.dataset = :dataset AND r.model = :model"
            + " AND r.poison_rate = :poisonRate AND r.defense = :defense"
            + " GROUP BY r.run_pk, r.defense, r.attack, r.seed, r.evaluator, r.metric")
    List<RunMetric> defenseRunMetrics(String dataset, String model, double poisonRate, String defense);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends RowRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends RowRepository {
    }
}
