package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

public interface CurveRepository extends CrudRepository<CurveRecord, Long> {

    long countByRunPk(Long runPk);

    /** One defense's curves of one evaluator in a published track, joined to cells for the track. */
    @Query("SELECT k.* FROM result_curves k JOIN runs u ON u.id = k.run_pk"
            + " JOIN run_cells c ON c.run_pk = k.run_pk AND c.cell_id = k.cell_id"
            + " WHERE u.status = 'published' AND c.dataset = :dataset AND c.model = :model"
            + " AND c.poison_rate = :poisonRate AND k.defense = :defense AND k.evaluator = :evaluator")
    List<CurveRecord> publishedCurves(String dataset, String model, double poisonRate, String defense, String evaluator);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends CurveRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends CurveRepository {
    }
}
