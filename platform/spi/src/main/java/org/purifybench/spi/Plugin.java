package org.purifybench.spi;

/** Common super-interface of attacks, defenses and evaluators. Implementations need a public no-arg constructor. */
public interface Plugin {
    PluginDescriptor descriptor();
}
