package org.purifybench.core.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.purifybench.spi.Defense;
import org.purifybench.spi.Kind;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;

/**
 * Loads the real class of a jar's defense: for the sandbox child only ({@code ChildMain}), the one
 * place third-party code is loaded. Admits the jar as data first (as the harness did), gives it
 * its own {@link PluginClassLoader} (the SPI, ND4J and the JDK only), instantiates only the
 * requested defense and checks its {@code descriptor()} against the descriptor file.
 */
public final class SandboxedLoading {
    private SandboxedLoading() {
    }

    /** The defense instance, what the file declares, and what its descriptor() says. */
    public record Loaded(Defense defense, DescriptorFile.Declared declared, PluginDescriptor actual) {
    }

    /** The class's descriptor() disagrees with the jar's descriptor file. */
    public static final class DescriptorMismatch extends RuntimeException {
        public DescriptorMismatch(String message) {
            super(message);
        }
    }

    /**
     * Loads and instantiates defense {@code id} of {@code jar}.
     *
     * @throws PluginJarException when the jar is refused or the class cannot be loaded or constructed
     * @throws DescriptorMismatch when its descriptor() does not say what the file declares
     */
    public static Loaded defense(Path jar, String id, JarLimits limits) {
        JarAdmission.Admitted admitted = JarAdmission.admit(jar, limits);
        DescriptorFile.Declared declared = admitted.descriptor().ofKind(Kind.DEFENSE).stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new PluginJarException(jar, "its " + DescriptorFile.PATH + " declares no defense '" + id + "'",
                        "declare it as defense." + id + ".class / .version / .needs / .description"));
        Path real;
        try {
            real = jar.toRealPath();
        } catch (IOException e) {
            throw new PluginJarException(jar, "it cannot be read (" + e.getMessage() + ")", "check the file");
        }
        PluginClassLoader loader = new PluginClassLoader(real, Plugin.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        try {
            ServiceLoader.Provider<Defense> provider = null;
            for (ServiceLoader.Provider<Defense> p : ServiceLoader.load(Defense.class, loader).stream().toList()) {
                Class<?> c = p.type(); // loaded, not yet initialised
                if (c.getClassLoader() == loader && c.getName().equals(declared.className())) {
                    provider = p;
                }
            }
            if (provider == null) {
                throw new PluginJarException(jar, "its services entry does not provide " + declared,
                        "list " + declared.className() + " in META-INF/services/" + Defense.class.getName());
            }
            // the plug-in's constructor and descriptor() run with its own loader as context class loader
            thread.setContextClassLoader(loader);
            Defense defense = provider.get();
            PluginDescriptor first = defense.descriptor();
            PluginDescriptor second = defense.descriptor();
            String mismatch = declared.mismatch(first);
            if (mismatch == null && !first.equals(second)) {
                mismatch = declared.className() + ".descriptor() answers differently when called twice (" + first + ", then " + second + ")";
            }
            if (mismatch != null) {
                throw new DescriptorMismatch(mismatch + ": make them agree (" + DescriptorFile.PATH + " is what the harness reads,"
                        + " without loading the class)");
            }
            return new Loaded(defense, declared, first);
        } catch (PluginJarException | DescriptorMismatch e) {
            close(loader);
            throw e;
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
            close(loader);
            throw PluginRegistry.loadFailure(jar, e);
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    private static void close(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing of it is used any more
        }
    }
}
