package org.purifybench.core.model;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.purifybench.core.UserException;

/** Finds engines by id; one engine object per id and device per JVM. */
public final class Engines {
    private static final Map<String, ComputeEngine> OPEN = new ConcurrentHashMap<>();

    private Engines() {
    }

    /** The default: ND4J SameDiff on the CPU. */
    public static ComputeEngine defaultEngine() {
        return open(ComputeEngine.DEFAULT, ComputeEngine.CPU);
    }

    public static ComputeEngine open(String id, String device) {
        String dev = normalizeDevice(device);
        return OPEN.computeIfAbsent(id + "@" + dev, k -> provider(id).open(dev));
    }

    /** The provider of engine {@code id}, or a clear error naming the known ones. */
    public static EngineProvider provider(String id) {
        EngineProvider provider = providers().get(id);
        if (provider == null) {
            throw new UserException("unknown engine '" + id + "'", "use --engine " + String.join("|", providers().keySet())
                    + (id.equals("pytorch") ? " (the pytorch engine's module, purifybench-engine-pytorch, is not on the class path)" : ""));
        }
        return provider;
    }

    /** Parses the {@code engine@device} label of {@link ComputeEngine#label()}. */
    public static ComputeEngine byLabel(String label) {
        int at = label.indexOf('@');
        return at < 0 ? open(label, ComputeEngine.CPU) : open(label.substring(0, at), label.substring(at + 1));
    }

    /** {@code cpu}, {@code cuda} (= cuda:0) or {@code cuda:N}. */
    public static String normalizeDevice(String device) {
        String d = device == null ? ComputeEngine.CPU : device.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals(ComputeEngine.CPU)) {
            return d;
        }
        if (d.equals("cuda") || d.equals("gpu")) {
            return "cuda:0";
        }
        if (d.matches("cuda:\\d+")) {
            return d;
        }
        throw new UserException("unknown device '" + device + "'", "use --device cpu, cuda or cuda:N");
    }

    public static Map<String, EngineProvider> providers() {
        Map<String, EngineProvider> all = new TreeMap<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader())) {
            all.put(p.id(), p);
        }
        return all;
    }
}
