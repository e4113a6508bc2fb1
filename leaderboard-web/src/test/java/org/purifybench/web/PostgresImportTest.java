package org.purifybench.web;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ImportTest}'s cases on a real PostgreSQL (same migrations, the POSTGRES repositories). */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfEnvironmentVariable(named = PostgresSupport.URL_VARIABLE, matches = ".+")
class PostgresImportTest extends ImportTest implements TestPropertyProvider {
    @Override
    public Map<String, String> getProperties() {
        return PostgresSupport.properties();
    }
}
