package org.purifybench.core.run;

import java.nio.file.Path;
import java.util.function.Supplier;
import org.purifybench.core.sandbox.Sandbox;
import org.purifybench.core.sandbox.SandboxException;
import org.purifybench.spi.PluginDescriptor;

/**
 * A third-party jar's defense, run in the {@link Sandbox}: a confined child JVM per job, one job at a
 * time however many cells run in parallel. The sandbox validates the model the child returns.
 */
final class SandboxedPurifier implements Purifier {
    private final Path jar;
    private final PluginDescriptor descriptor;
    private final Supplier<Sandbox> sandbox;
    private final Object oneJobAtATime;
    private final UnitFailures failures;

    SandboxedPurifier(Path jar, PluginDescriptor descriptor, Supplier<Sandbox> sandbox, Object oneJobAtATime, UnitFailures failures) {
        this.jar = jar;
        this.descriptor = descriptor;
        this.sandbox = sandbox;
        this.oneJobAtATime = oneJobAtATime;
        this.failures = failures;
    }

    @Override
    public Purified purify(Job job) {
        try {
            synchronized (oneJobAtATime) {
                failures.sandboxJobStarts();
                Sandbox.Purification p = sandbox.get().purification(jar, descriptor, job.backdoored(), job.tuning(), job.validation(),
                        job.clean(), job.seed(), job.params());
                return new Purified(p.model(), p.diagnostics());
            }
        } catch (SandboxException e) {
            throw failures.sandboxed(job.defenseName(), e);
        }
    }
}
