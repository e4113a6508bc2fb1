package org.purifybench.web.store;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

public interface CellRepository extends CrudRepository<CellRecord, Long> {

    List<CellRecord> findByRunPkOrderByCellIdAsc(Long runPk);

    /** The published tracks: distinct dataset x model x poison rate over published runs' cells. */
    @Query("SELECT DISTINCT c.dataset AS dataset, c.model AS model, c.poison_rate AS poison_rate"
            + " FROM run_cells c JOIN runs u ON u.id = c.run_pk WHERE u.status = 'published'"
            + " ORDER BY dataset, model, poison_rate")
    List<TrackKey> publishedTracks();

    /** Published runs per track and profile (the home page's featured track). */
    @Query("SELECT c.dataset AS dataset, c.model AS model, c.poison_rate AS poison_rate, u.profile AS profile,"
            + " COUNT(DISTINCT u.id) AS runs FROM run_cells c JOIN runs u ON u.id = c.run_pk WHERE u.status = 'published'"
            + " GROUP BY c.dataset, c.model, c.poison_rate, u.profile")
    List<TrackRuns> publishedRunsPerTrack();

    /** Published cells of one track (provenance: which runs and seeds back a number). */
    @Query("SELECT c.* FROM run_cells c JOIN runs u ON u.id = c.run_pk WHERE u.status = 'published'"
            + " AND c.dataset = :dataset AND c.model = :model AND c.poison_rate = :poisonRate")
    List<CellRecord> publishedCells(String dataset, String model, double poisonRate);

    @JdbcRepository(dialect = Dialect.H2)
    @Requires(property = Dialects.PROPERTY, value = Dialects.H2)
    interface H2 extends CellRepository {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = Dialects.PROPERTY, value = Dialects.POSTGRES)
    interface Postgres extends CellRepository {
    }
}
