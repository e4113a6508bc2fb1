package org.purifybench.web;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ImportRaceTest} on a real PostgreSQL, where the losing insert waits for the winner's commit. */
@MicronautTest(environments = "racing-imports", transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfEnvironmentVariable(named = PostgresSupport.URL_VARIABLE, matches = ".+")
class PostgresImportRaceTest extends ImportRaceTest implements TestPropertyProvider {
    @Override
    public Map<String, String> getProperties() {
        return PostgresSupport.properties();
    }
}
