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
        PluginClassLoader loader = new PluginClassLoader(realPath(jar), Plugin.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        try {
            Defense defense = instantiate(loader, jar, declared.className(), declared.toString());
            // descriptor() runs with the plug-in's own loader as context class loader, as its constructor did
            thread.setContextClassLoader(loader);
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

    /** A defense created as the sandbox child creates one, with the class loader to close once it is no longer used. */
    public record Confined(Defense defense, ClassLoader loader) implements AutoCloseable {
        @Override
        public void close() {
            if (loader instanceof PluginClassLoader p) {
                SandboxedLoading.close(p);
            }
        }
    }

    /**
     * Creates defense class {@code className} of {@code location} (a jar or a class folder such as
     * {@code target/classes}) as the sandbox child does: a fresh {@link PluginClassLoader} over that
     * location, which sees the JDK, the location's own classes, the SPI and ND4J/JavaCPP and nothing
     * else, and the provider its {@code META-INF/services} file lists. No admission and no descriptor
     * check: this is for the conformance kit in a plug-in's own tests, which checks those itself, so
     * that a class the sandbox does not offer (a library that is only on the test class path) fails
     * there with the message the sandbox gives ({@link #missingClass(Throwable)}).
     *
     * @throws PluginJarException when the class cannot be found through the services file, loaded or constructed
     */
    public static Confined confined(Path location, String className) {
        PluginClassLoader loader = new PluginClassLoader(realPath(location), Plugin.class.getClassLoader());
        try {
            return new Confined(instantiate(loader, location, className, className), loader);
        } catch (PluginJarException e) {
            close(loader);
            throw e;
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
            close(loader);
            throw PluginRegistry.loadFailure(location, e);
        }
    }

    /** The services provider of {@code className} defined by {@code loader}, instantiated with that loader as context class loader. */
    private static Defense instantiate(PluginClassLoader loader, Path where, String className, String what) {
        ServiceLoader.Provider<Defense> provider = null;
        for (ServiceLoader.Provider<Defense> p : ServiceLoader.load(Defense.class, loader).stream().toList()) {
            Class<?> c = p.type(); // loaded, not yet initialised
            if (c.getClassLoader() == loader && c.getName().equals(className)) {
                provider = p;
            }
        }
        if (provider == null) {
            throw new PluginJarException(where, "its services entry does not provide " + what,
                    "list " + className + " in META-INF/services/" + Defense.class.getName());
        }
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return provider.get();
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    private static Path realPath(Path location) {
        try {
            return location.toRealPath();
        } catch (IOException e) {
            throw new PluginJarException(location, "it cannot be read (" + e.getMessage() + ")", "check the file");
        }
    }

    /**
     * A class the plug-in's code needs but its class loader does not offer (the sandbox child's, or
     * the kit's {@link #confined} one): the class, the reason and the fix, worded the same wherever
     * the failure shows (loading in the child, purify in the child, the conformance kit).
     */
    public record MissingClass(String className, String reason, String fix) {
        /** "reason - fix", as the command line prints a problem. */
        public String text() {
            return reason + " - " + fix;
        }
    }

    /**
     * The {@link MissingClass} behind {@code t} (a {@link NoClassDefFoundError} or
     * {@link ClassNotFoundException} in its causes), or null when no class is missing.
     */
    public static MissingClass missingClass(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < 20; c = c.getCause() == c ? null : c.getCause(), depth++) {
            if (c instanceof NoClassDefFoundError || c instanceof ClassNotFoundException) {
                // "org/apache/Foo", "org.apache.Foo", or the plug-in loader's "org.purifybench.core.X (platform class, ...)"
                String name = String.valueOf(c.getMessage()).replace('/', '.').split(" ")[0];
                if (PlatformPackages.hidden(name)) {
                    return new MissingClass(name, "its code uses " + name + ", a platform class plug-ins cannot see",
                            "plug-ins compile against purifybench-spi (and ND4J) only; the host's services come through the contexts");
                }
                return new MissingClass(name, "its code uses " + name + ", which the sandbox does not offer: a plug-in sees the JDK,"
                        + " its own jar and the host's " + String.join(", ", PlatformPackages.EXPOSED.stream().map(p -> p + "*").toList())
                        + " only, not the other libraries on its compile or test class path (such as nd4j-api's commons-lang3 or"
                        + " commons-math3)", "bundle the library's classes into the plug-in's jar (e.g. maven-shade-plugin) or do without it"
                        + " (docs/writing-a-defense.md, \"What the sandbox offers\")");
            }
        }
        return null;
    }

    static void close(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing of it is used any more
        }
    }
}
