package org.purifybench.web;

import java.util.Map;

/**
 * Where the PostgreSQL tests find their server: PURIFYBENCH_TEST_PG_URL (plus _USER and
 * _PASSWORD), which `.ci/run` sets after starting a local PostgreSQL. Without it the PostgreSQL
 * classes are skipped - unless PURIFYBENCH_REQUIRE_PG=1, where {@link PostgresRequiredTest} fails.
 */
public final class PostgresSupport {
    public static final String URL_VARIABLE = "PURIFYBENCH_TEST_PG_URL";

    private PostgresSupport() {
    }

    public static Map<String, String> properties() {
        return Map.of(
                "datasources.default.url", System.getenv(URL_VARIABLE),
                "datasources.default.username", System.getenv().getOrDefault("PURIFYBENCH_TEST_PG_USER", "purifybench"),
                "datasources.default.password", System.getenv().getOrDefault("PURIFYBENCH_TEST_PG_PASSWORD", "purifybench"),
                "datasources.default.dialect", "POSTGRES",
                "datasources.default.driver-class-name", "org.postgresql.Driver");
    }
}
