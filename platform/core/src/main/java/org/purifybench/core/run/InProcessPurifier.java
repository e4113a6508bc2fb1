package org.purifybench.core.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.purifybench.core.UserException;
import org.purifybench.core.model.HostModel;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Host;
import org.purifybench.spi.Model;

/** A built-in defense, run in this JVM on a private copy of the backdoored model. */
final class InProcessPurifier implements Purifier {
    private final Defense defense;
    private final Host host;
    private final UnitFailures failures;

    InProcessPurifier(Defense defense, Host host, UnitFailures failures) {
        this.defense = defense;
        this.host = host;
        this.failures = failures;
    }

    @Override
    public Purified purify(Job job) {
        Map<String, Double> diagnostics = new LinkedHashMap<>();
        Contexts.DefenseInputs inputs = new Contexts.DefenseInputs(job.backdoored(), job.tuning(), job.validation(), job.trigger(),
                job.clean());
        try {
            Model out = defense.purify(Contexts.defense(defense.descriptor(), inputs, job.seed(), job.params(), host, diagnostics::put,
                    job.cellMemo()));
            // the harness trains, stores and measures its own model type: a defense returns the context's model, modified
            if (!(out instanceof HostModel m) || !m.spec().equals(job.modelSpec())) {
                throw new UserException("defense '" + defense.descriptor().id() + "' returned a model of another architecture",
                        "return the context's model (or a copy of it) after modifying its parameters");
            }
            return new Purified(m, diagnostics);
        } catch (UnitFailures.StageFailed | UnitFailures.DefenseFailed e) {
            throw e; // what the defense asked for (the clean model, another defense's) failed, not the defense
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            throw failures.builtIn(job.defenseName(), e);
        }
    }
}
