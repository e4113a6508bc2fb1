package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.store.CurveRepository;

/**
 * An import that fails after the run, its plug-ins, cells and rows were written (the last table,
 * curves, fails like a full disk would) leaves no trace: the transaction covers the whole document.
 */
@MicronautTest(environments = "failing-curves", transactional = false)
class AtomicImportTest {

    @Inject ResultsImporter importer;
    @Inject DbState db;

    @Test
    void aFailureHalfWayLeavesTheDatabaseAsItWas() {
        db.clear();
        Map<String, Long> before = db.counts();
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> importer.importDocument(ResultsDocuments.run("r").result("pam", "badnet", 0, 0.8, 0.1, 0.1).bytes(), true));
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertEquals(before, db.counts());
    }

    @Factory
    @Requires(env = "failing-curves")
    static class FailingCurves {
        @Singleton
        @Replaces(CurveRepository.class)
        CurveRepository curves() {
            return (CurveRepository) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {CurveRepository.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("saveAll")) {
                            throw new IllegalStateException("disk full (simulated by the test)");
                        }
                        if (method.getDeclaringClass() == Object.class) {
                            return method.getName().equals("toString") ? "FailingCurves" : null;
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
