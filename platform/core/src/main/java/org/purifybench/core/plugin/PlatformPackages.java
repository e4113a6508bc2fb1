package org.purifybench.core.plugin;

import java.util.List;
import java.util.Optional;

/**
 * Which packages belong to the platform: a plug-in jar may hold no class in them, and the class
 * loader of a plug-in jar sees only the SPI, the plug-in toolkit and the libraries the SPI's
 * signatures expose (ND4J, and JavaCPP under it) from the host; the JDK comes from the platform
 * class loader.
 */
final class PlatformPackages {
    /** Host packages a plug-in links against (the SPI, the toolkit and what their signatures expose), as binary-name prefixes. */
    static final List<String> EXPOSED = List.of("org.purifybench.spi.", "org.purifybench.toolkit.", "org.nd4j.", "org.bytedeco.");

    /** Platform packages, as jar-entry prefixes, with the fix for a jar that holds classes in them. */
    private static final List<String[]> PLATFORM = List.of(
            new String[] {"org/purifybench/spi/", "compile against purifybench-spi with <scope>provided</scope> instead of bundling it"},
            new String[] {"org/purifybench/toolkit/", "the host provides the plug-in toolkit: declare purifybench-toolkit with <scope>provided</scope> instead of bundling it"},
            new String[] {"org/purifybench/core/", "plug-ins compile against purifybench-spi (and purifybench-toolkit) only; do not bundle the core"},
            new String[] {"org/purifybench/tck/", "keep the conformance kit in test scope"},
            new String[] {"org/purifybench/cli/", "do not bundle the command line"},
            new String[] {"org/nd4j/", "the host provides ND4J: declare nd4j-api with <scope>provided</scope> instead of shading it"},
            new String[] {"org/bytedeco/", "the host provides ND4J's native layer (JavaCPP): use <scope>provided</scope> instead of shading it"},
            new String[] {"java/", "a jar cannot define java.* classes"});

    private PlatformPackages() {
    }

    /** The platform package an entry name lies in ({prefix, fix}), if any. */
    static Optional<String[]> platformPackageOf(String entryName) {
        return PLATFORM.stream().filter(p -> entryName.startsWith(p[0])).findFirst();
    }

    static boolean exposed(String className) {
        return EXPOSED.stream().anyMatch(className::startsWith);
    }

    /** A platform class a plug-in may not see: never looked up in the host, never defined from the jar. */
    static boolean hidden(String className) {
        return !exposed(className) && !className.startsWith("java.") // the JDK's, from the platform class loader
                && platformPackageOf(className.replace('.', '/')).isPresent();
    }
}
