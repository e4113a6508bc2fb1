package org.purifybench.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;

class PluginRegistryTest {
    public static class Alpha implements Defense {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.DEFENSE, "alpha", "1", "test defense", "");
        }

        @Override
        public Model purify(DefenseContext context) {
            return context.backdooredModel();
        }
    }

    public static class AlphaAgain extends Alpha {
    }

    public static class FromTheFuture extends Alpha {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor(Kind.DEFENSE, "future", "1", "built for SPI 99", "", Set.of(), 99);
        }
    }

    public static class WrongKind extends Alpha {
        @Override
        public PluginDescriptor descriptor() {
            return PluginDescriptor.of(Kind.ATTACK, "wrong", "1", "says it is an attack", "");
        }
    }

    /** A class loader that sees the test classes plus a services file listing {@code classes}. */
    private static ClassLoader withServices(Path dir, Class<?>... classes) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        StringBuilder sb = new StringBuilder();
        for (Class<?> c : classes) {
            sb.append(c.getName()).append('\n');
        }
        Files.writeString(services.resolve(Defense.class.getName()), sb.toString());
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, PluginRegistryTest.class.getClassLoader());
    }

    @Test
    void findsPluginsThroughServiceFiles(@TempDir Path dir) throws Exception {
        PluginRegistry r = PluginRegistry.load(withServices(dir, Alpha.class));
        assertEquals("alpha", r.defense("alpha").descriptor().id());
        assertEquals(1, r.defenses().size());
        UserException e = assertThrows(UserException.class, () -> r.defense("beta"));
        assertTrue(e.oneLine().contains("known defenses: alpha"), e.oneLine());
    }

    @Test
    void refusesDuplicateIdsWrongSpiVersionWrongKindAndBrokenEntries(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(UserException.class, () -> PluginRegistry.load(withServices(dir.resolve("a"), Alpha.class, AlphaAgain.class)))
                .getMessage().contains("share the id 'alpha'"));
        assertTrue(assertThrows(UserException.class, () -> PluginRegistry.load(withServices(dir.resolve("b"), FromTheFuture.class)))
                .getMessage().contains("SPI 99"));
        assertTrue(assertThrows(UserException.class, () -> PluginRegistry.load(withServices(dir.resolve("c"), WrongKind.class)))
                .getMessage().contains("declares ATTACK"));
        Path d = dir.resolve("d/META-INF/services");
        Files.createDirectories(d);
        Files.writeString(d.resolve(Defense.class.getName()), "org.example.Missing\n");
        ClassLoader broken = new URLClassLoader(new URL[] {dir.resolve("d").toUri().toURL()}, getClass().getClassLoader());
        UserException e = assertThrows(UserException.class, () -> PluginRegistry.load(broken));
        assertTrue(e.fix().contains("META-INF/services"), e.oneLine());
    }

    @Test
    void descriptorRejectsBadIds() {
        assertThrows(IllegalArgumentException.class, () -> PluginDescriptor.of(Kind.DEFENSE, "Bad Id", "1", "x", ""));
    }
}
