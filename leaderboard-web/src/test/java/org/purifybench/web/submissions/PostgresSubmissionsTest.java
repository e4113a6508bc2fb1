package org.purifybench.web.submissions;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.purifybench.web.DbState;
import org.purifybench.web.PostgresSupport;

/** {@link SubmissionsTest}'s cases on a real PostgreSQL (the V3 migration and the POSTGRES repository). */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfEnvironmentVariable(named = PostgresSupport.URL_VARIABLE, matches = ".+")
class PostgresSubmissionsTest extends SubmissionsTest {
    @Inject DbState db;

    PostgresSubmissionsTest() throws java.io.IOException {
    }

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> p = new HashMap<>(super.getProperties());
        p.putAll(PostgresSupport.properties());
        return p;
    }

    /** The database outlives the class: start from no runs and no submissions. */
    @BeforeAll
    void empty() {
        submissions.deleteAll();
        db.clear();
    }
}
