package org.purifybench.web;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.util.Map;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link RankingRulesTest}'s cases on a real PostgreSQL. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfEnvironmentVariable(named = PostgresSupport.URL_VARIABLE, matches = ".+")
class PostgresRankingRulesTest extends RankingRulesTest implements TestPropertyProvider {
    @Override
    public Map<String, String> getProperties() {
        return PostgresSupport.properties();
    }
}
