package org.purifybench.core.model;

import org.nd4j.linalg.factory.Nd4j;
import org.purifybench.core.UserException;

/** ND4J SameDiff: the default engine (docs/engine-notes.md); the CPU unless built with the {@code cuda} profile. */
public final class Nd4jEngine implements ComputeEngine {
    public static final String ID = "nd4j";
    static final Nd4jEngine INSTANCE = new Nd4jEngine();

    private Nd4jEngine() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String device() {
        return CPU;
    }

    @Override
    public String describe() {
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        return "nd4j 1.0.0-M2.1 SameDiff, " + Nd4j.getBackend().getClass().getSimpleName() + " ("
                + env.getOrDefault("blas.vendor", "?") + ")";
    }

    @Override
    public HostModel create(ModelSpec spec, long seed) {
        return SdModel.create(spec, seed);
    }

    /** Registered in META-INF/services. */
    public static final class Provider implements EngineProvider {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public ComputeEngine open(String device) {
            if (!device.equals(CPU)) {
                throw new UserException("the nd4j engine runs on the CPU in this build, not on " + device,
                        "use --engine pytorch --device " + device + " (a build with -Pgpu), or the nd4j 'cuda' Maven profile on a"
                                + " pre-Hopper card (docs/engines.md)");
            }
            return INSTANCE;
        }
    }
}
