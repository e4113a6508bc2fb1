package org.purifybench.web;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Row counts of every table: "the database is unchanged" means these are equal before and after. */
@Singleton
@io.micronaut.transaction.annotation.Transactional
public class DbState {

    private static final List<String> TABLES = List.of("runs", "run_plugins", "run_cells", "result_rows", "result_curves",
            "run_failures");

    private final JdbcOperations jdbc;

    public DbState(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String t : TABLES) {
            out.put(t, jdbc.prepareStatement("SELECT COUNT(*) FROM " + t, ps -> {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
        }
        return out;
    }

    /** Empties the data and bumps board_version like every real write does (pages are cached by it). */
    public void clear() {
        jdbc.prepareStatement("DELETE FROM runs", ps -> ps.executeUpdate());
        jdbc.prepareStatement("DELETE FROM official_settings", ps -> ps.executeUpdate());
        jdbc.prepareStatement("UPDATE board_version SET version = version + 1 WHERE id = 1", ps -> ps.executeUpdate());
    }
}
