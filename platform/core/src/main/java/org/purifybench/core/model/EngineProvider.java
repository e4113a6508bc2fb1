package org.purifybench.core.model;

/** A compute engine on the class path ({@code META-INF/services}); the host finds engines by id. */
public interface EngineProvider {
    String id();

    /**
     * The engine on {@code device} ({@code cpu}, {@code cuda} or {@code cuda:N}).
     *
     * @throws org.purifybench.core.UserException when the device is not there or the engine's native
     *         libraries are missing, naming the fix
     */
    ComputeEngine open(String device);
}
