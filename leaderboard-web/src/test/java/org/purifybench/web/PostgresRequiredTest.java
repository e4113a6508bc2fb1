package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** In CI the PostgreSQL tests must run, not skip: a missing server is a failure there. */
class PostgresRequiredTest {

    @Test
    @EnabledIfEnvironmentVariable(named = "PURIFYBENCH_REQUIRE_PG", matches = "1")
    void postgresIsConfiguredWhenRequired() {
        assertNotNull(System.getenv(PostgresSupport.URL_VARIABLE), PostgresSupport.URL_VARIABLE
                + " is not set: start PostgreSQL and point it there (see .ci/run)");
    }
}
