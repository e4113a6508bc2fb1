package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

public interface PluginRepository extends CrudRepository<PluginRecord, Long> {

    @Query("SELECT * FROM run_plugins WHERE run_pk = :runPk ORDER BY kind, plugin_id")
    List<PluginRecord> forRun(Long runPk);

    /** Every defense plug-in of a published run (oracle/reference flags, provenance). */
    @Query("SELECT p.* FROM run_plugins p JOIN runs u ON u.id = p.run_pk"
            + " WHERE u.status = 'published' AND p.kind = 'defense'")
    List<PluginRecord> publishedDefenses();

    /** One defense's plug-in records over all published runs (the defense page's provenance). */
    @Query("SELECT p.* FROM run_plugins p JOIN runs u ON u.id = p.run_pk"
            + " WHERE u.status = 'published' AND p.kind = 'defense' AND p.plugin_id = :defense")
    List<PluginRecord> publishedDefense(String defense);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends PluginRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends PluginRepository {
    }
}
