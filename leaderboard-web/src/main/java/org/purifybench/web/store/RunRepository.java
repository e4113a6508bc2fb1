package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;
import java.util.Optional;

public interface RunRepository extends CrudRepository<RunRecord, Long> {

    Optional<RunRecord> findByRunId(String runId);

    List<RunRecord> findAllOrderByImportedAtDesc();

    List<RunRecord> findByStatusOrderByImportedAtDesc(String status);

    void updateStatus(@Id Long id, String status);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends RunRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends RunRepository {
    }
}
