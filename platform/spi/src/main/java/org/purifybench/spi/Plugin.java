package org.purifybench.spi;

/** Common super-interface of attacks, defenses and evaluators. Implementations need a public no-arg constructor. */
public interface Plugin {
    /** By default read from the class's {@link PurifyBenchPlugin} annotation. */
    default PluginDescriptor descriptor() {
        return PluginDescriptor.of(getClass());
    }
}
