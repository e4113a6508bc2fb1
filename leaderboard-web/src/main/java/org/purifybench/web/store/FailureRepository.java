package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

public interface FailureRepository extends CrudRepository<FailureRecord, Long> {

    /** A run's failed units in the order its document lists them. */
    List<FailureRecord> findByRunPkOrderByIdAsc(Long runPk);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends FailureRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends FailureRepository {
    }
}
