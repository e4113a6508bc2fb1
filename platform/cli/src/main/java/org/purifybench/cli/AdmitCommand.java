package org.purifybench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.plugin.DescriptorFile;
import org.purifybench.core.plugin.JarAdmission;
import org.purifybench.core.plugin.JarDefense;
import org.purifybench.core.plugin.JarLimits;
import org.purifybench.core.plugin.PluginJarException;
import org.purifybench.core.plugin.PluginRegistry;
import org.purifybench.spi.Plugin;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The verdict on one plug-in jar, for people and for the website (which calls it in a child
 * process: the web JVM never opens a plug-in jar). Two stages, as {@code run} takes a jar: the jar
 * is checked as data ({@link JarAdmission}: limits, names, descriptor file, SPI version, services),
 * then registered alone next to the built-in plug-ins exactly as {@code list --plugin JAR} does,
 * which refuses attacks and evaluators (they could not be sandboxed) and ids that collide with a
 * built-in one. No class of the jar is loaded or run: the plug-ins printed are what its descriptor
 * file declares. Whether the class's own {@code descriptor()} agrees is checked in the sandbox child
 * of each job (run, verify), which refuses to run it otherwise. The submissions folder is not read:
 * the verdict is about this jar alone.
 */
@Command(name = "admit", description = "Check one plug-in jar as run would (admission as data, then registering it alone; no class of it"
        + " is loaded) and print the verdict: accepted with its plug-ins as its descriptor file declares them, or refused with the reason"
        + " and the fix. Exit 0 if accepted, 1 if refused.")
final class AdmitCommand implements Callable<Integer> {
    static final int FORMAT = 1;

    @Parameters(paramLabel = "JAR", description = "The plug-in jar.")
    Path jar;

    @Option(names = "--json", description = "Print the verdict as one JSON document (the website reads it).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode v = mapper.createObjectNode();
        v.put("format", FORMAT);
        v.put("jar", jar.toString());
        v.put("hostSpiVersion", SpiVersion.CURRENT);
        v.put("maxJarBytes", JarLimits.DEFAULTS.maxJarBytes());
        PrintStream out = System.out;
        String refusedStage = null;
        PluginJarException refusal = null;
        PluginRegistry registry = null;
        // Stage 1: the jar as data. Nothing of it is loaded when this fails.
        try {
            JarAdmission.Admitted admitted = JarAdmission.admit(jar, JarLimits.DEFAULTS);
            v.put("sha256", Hashing.ofFile(jar));
            v.put("bytes", java.nio.file.Files.size(jar));
            v.put("spiVersion", admitted.descriptor().spiVersion());
        } catch (PluginJarException e) {
            refusedStage = "admission";
            refusal = e;
        }
        // Stage 2: register it alone, as list/run would (from its descriptor file; nothing of it is loaded).
        // The built-in plug-ins print nothing, but stdout carries only the verdict, so anything goes to stderr.
        if (refusal == null) {
            System.setOut(System.err);
            try {
                registry = PluginRegistry.fromClasspath(List.of(jar));
            } finally {
                System.setOut(out);
            }
            if (!registry.refused().isEmpty()) {
                refusedStage = "registration";
                refusal = registry.refused().get(0);
            }
        }
        if (refusal != null) {
            v.put("accepted", false);
            v.put("stage", refusedStage);
            v.put("reason", refusal.reason());
            v.put("fix", refusal.fix());
        } else {
            v.put("accepted", true);
            ArrayNode plugins = v.putArray("plugins");
            for (Plugin p : registry.all()) {
                PluginDescriptor d = p.descriptor();
                if (registry.jar(d).isEmpty() || registry.origin(d).builtIn()) {
                    continue;
                }
                ObjectNode n = plugins.addObject();
                n.put("kind", d.kind().name().toLowerCase(java.util.Locale.ROOT));
                n.put("id", d.id());
                n.put("version", d.version());
                n.put("description", DescriptorFile.shown(d.description()));
                n.put("className", p instanceof JarDefense jd ? jd.className() : p.getClass().getName());
                n.put("paper", DescriptorFile.shown(d.paper()));
                ArrayNode needs = n.putArray("needs");
                new TreeSet<>(d.needs()).forEach(need -> needs.add(need.name())); // enum order: stable output
                n.put("sha256", v.get("sha256").asText());
            }
        }
        if (json) {
            out.write(mapper.writeValueAsString(v).getBytes(StandardCharsets.UTF_8));
            out.println();
        } else if (refusal == null) {
            out.println("ACCEPTED " + jar + " (sha256 " + v.get("sha256").asText() + ")");
            for (var n : v.get("plugins")) {
                out.printf("  %-10s %-16s %-10s needs %s%n", n.get("kind").asText(), n.get("id").asText(), DescriptorFile.shown(n.get("version").asText()),
                        n.get("needs"));
            }
        } else {
            out.println("REFUSED " + jar + " (" + refusedStage + "): " + refusal.reason() + " - " + refusal.fix());
        }
        out.flush();
        return refusal == null ? 0 : 1;
    }
}
