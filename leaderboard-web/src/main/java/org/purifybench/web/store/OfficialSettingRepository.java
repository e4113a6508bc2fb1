package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

public interface OfficialSettingRepository extends CrudRepository<OfficialSetting, String> {

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends OfficialSettingRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends OfficialSettingRepository {
    }
}
