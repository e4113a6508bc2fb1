package org.purifybench.core.plugin;

import java.nio.file.Path;
import org.purifybench.core.UserException;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Model;
import org.purifybench.spi.PluginDescriptor;

/**
 * The harness's stand-in for a defense of a third-party jar: a core class, built from the jar's
 * descriptor file ({@link DescriptorFile}) alone. No class of the jar is loaded or initialised in
 * the harness JVM: the real class is loaded only in the sandbox child ({@code ChildMain}), which
 * also checks that its {@code descriptor()} says what the file says. {@link #purify} therefore
 * cannot run here and always throws; the matrix runner and {@code verify} send jar defenses to the
 * sandbox instead.
 */
public final class JarDefense implements Defense {
    private final Path jar;
    private final Path given;
    private final DescriptorFile.Declared declared;
    private final PluginDescriptor descriptor;

    JarDefense(Path jar, Path given, DescriptorFile.Declared declared) {
        this.jar = jar;
        this.given = given;
        this.declared = declared;
        this.descriptor = declared.descriptor();
    }

    /** The descriptor as the jar's descriptor file declares it. */
    @Override
    public PluginDescriptor descriptor() {
        return descriptor;
    }

    /** Always throws: a jar defense runs only in the sandbox. */
    @Override
    public Model purify(DefenseContext context) {
        throw new UserException("defense '" + descriptor.id() + "' from " + given + " is a third-party jar: it runs only in the sandbox"
                + " (a confined child JVM), never in the harness JVM",
                "run it through purifybench run/verify with the sandbox on (the default); to run your own code in-process,"
                        + " put it on the class path, e.g. the conformance kit in your plug-in project's tests");
    }

    /** The jar (real path) the defense's class is in. */
    public Path jar() {
        return jar;
    }

    /** The jar as it was given ({@code --plugin}, {@code submissions/}). */
    public Path given() {
        return given;
    }

    /** The binary name of the defense's class (never loaded in this JVM). */
    public String className() {
        return declared.className();
    }

    public DescriptorFile.Declared declared() {
        return declared;
    }

    @Override
    public String toString() {
        return "JarDefense[" + declared + " in " + given + "]";
    }
}
