package org.purifybench.core.model;


/**
 * Where models live and compute: ND4J SameDiff ({@code nd4j}, the default) or PyTorch through DJL
 * ({@code pytorch}), on a device. Plug-ins never see it: they get {@link org.purifybench.spi.Model}s
 * and INDArrays whatever the engine.
 */
public interface ComputeEngine {
    String DEFAULT = "nd4j";
    String CPU = "cpu";

    /** {@code nd4j} or {@code pytorch}. */
    String id();

    /** {@code cpu} or {@code cuda:N}. */
    String device();

    /** Library versions and backend, for the results' provenance. */
    String describe();

    /** A freshly initialised model; the same spec and seed give the same weights on every engine. */
    HostModel create(ModelSpec spec, long seed);

    /** {@code id} or {@code id@device} off the CPU: the form cache keys and the journal record. */
    default String label() {
        return device().equals(CPU) ? id() : id() + "@" + device();
    }
}
