package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.core.run.MatrixSpec;

/** Every built-in profile parses and names only plug-ins that ship with the platform. */
class ProfilesTest {
    @Test
    void everyProfileParsesAndUsesKnownPlugins() {
        PluginRegistry registry = PluginRegistry.fromClasspath();
        for (String name : MatrixSpec.profileNames()) {
            MatrixSpec spec = MatrixSpec.profile(name);
            assertFalse(spec.approximations() == null, name + " must list its approximations (empty list if none)");
            spec.attacks().forEach(a -> assertDoesNotThrow(() -> registry.attack(a.id()), name + ": " + a.id()));
            spec.defenses().forEach(d -> assertDoesNotThrow(() -> registry.defense(d.id()), name + ": " + d.id()));
            spec.evaluators().forEach(e -> assertDoesNotThrow(() -> registry.evaluator(e.id()), name + ": " + e.id()));
        }
    }

    @Test
    void theProfileOptionsHelpNamesEveryProfile() throws Exception {
        String help = String.join(" ", RunTarget.class.getDeclaredField("profile").getAnnotation(picocli.CommandLine.Option.class).description());
        for (String name : MatrixSpec.profileNames()) {
            org.junit.jupiter.api.Assertions.assertTrue(help.contains(name), name + " missing from --profile's help: " + help);
        }
    }
}
