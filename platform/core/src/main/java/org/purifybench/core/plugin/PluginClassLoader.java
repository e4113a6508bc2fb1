package org.purifybench.core.plugin;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The class loader of one admitted plug-in jar. Its parent is the JDK's platform class loader,
 * so a plug-in sees the JDK and its own jar; from the host it sees only the SPI, the plug-in toolkit
 * and the libraries their signatures expose ({@link PlatformPackages#EXPOSED}: ND4J, JavaCPP), which are
 * the host's own classes (an {@code INDArray} is the same type on both sides). The core, the
 * host's libraries (Jackson, picocli, ...) and other plug-ins are invisible to it, so a plug-in
 * cannot link against them by accident and may bundle its own versions of such libraries.
 *
 * <p>This is isolation of names, not a security boundary: plug-in code runs in the JVM that
 * loads it with that JVM's rights. It is therefore used only in the sandbox's child JVM
 * ({@link SandboxedLoading}); the harness never loads a third-party jar's classes.
 */
public final class PluginClassLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final ClassLoader host;
    private final Path jar;

    /** @param host the loader that holds the SPI, the toolkit and ND4J (the core's own) */
    PluginClassLoader(Path jar, ClassLoader host) {
        super("plugin:" + jar.getFileName(), new URL[] {url(jar)}, ClassLoader.getPlatformClassLoader());
        this.host = host;
        this.jar = jar;
    }

    private static URL url(Path jar) {
        try {
            return jar.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jar.toString(), e);
        }
    }

    /** The jar this loader defines classes from. */
    public Path jar() {
        return jar;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                if (PlatformPackages.exposed(name)) {
                    c = host.loadClass(name);
                } else if (PlatformPackages.hidden(name)) {
                    throw new ClassNotFoundException(name + " (platform class, not visible to plug-ins: they compile against purifybench-spi and purifybench-toolkit only)");
                } else {
                    c = super.loadClass(name, false); // the JDK (platform loader), then this jar
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }
}
