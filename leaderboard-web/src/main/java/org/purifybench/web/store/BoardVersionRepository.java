package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

public interface BoardVersionRepository extends GenericRepository<BoardVersion, Integer> {

    @Query("UPDATE board_version SET version = version + 1 WHERE id = 1")
    void bump();

    @Query("SELECT version FROM board_version WHERE id = 1")
    long current();

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends BoardVersionRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends BoardVersionRepository {
    }
}
