package org.purifybench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.purifybench.core.bench.Throughput;

/**
 * Runs the PyTorch reference script (shipped in this jar as bench/pytorch_reference.py) with
 * python3 in a child process, on the same configurations and thread count, and reads its JSON lines.
 */
final class PyTorchReference {
    /** One configuration's reference figures, in seconds. */
    record Figures(double trainStepSeconds, double inferBatchSeconds, long peakRssBytes, String version) {
    }

    /** The figures by {@link Throughput.Config#key()}, or the reason there are none. */
    record Outcome(Map<String, Figures> figures, String unavailable) {
    }

    private PyTorchReference() {
    }

    static Outcome run(List<Throughput.Config> configs, int threads, int warmup, int repeats, long seed, String python) {
        Path script = null;
        try {
            script = Files.createTempFile("purifybench-pytorch-reference", ".py");
            try (InputStream in = PyTorchReference.class.getResourceAsStream("/bench/pytorch_reference.py")) {
                if (in == null) {
                    return new Outcome(Map.of(), "the reference script is missing from the CLI jar (rebuild: mvn -DskipTests install)");
                }
                Files.write(script, in.readAllBytes());
            }
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--threads", Integer.toString(threads),
                    "--warmup", Integer.toString(warmup), "--repeats", Integer.toString(repeats), "--seed", Long.toString(seed)));
            for (Throughput.Config c : configs) {
                cmd.add("--config");
                cmd.add(c.key());
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
            // Same OpenMP settings as ours: a fair comparison on shared cores.
            pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
            pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
            // PyTorch keeps its own allocator settings: the launcher's are ours, not the reference's.
            pb.environment().remove("LD_PRELOAD");
            pb.environment().remove("MALLOC_CONF");
            pb.environment().remove("MALLOC_ARENA_MAX");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Outcome(Map.of(), "'" + python + "' cannot be started (" + e.getMessage()
                        + "); install Python 3 and PyTorch: apt-get install python3-torch");
            }
            Map<String, Figures> out = new HashMap<>();
            ObjectMapper json = new ObjectMapper();
            var errBuf = new java.io.ByteArrayOutputStream();
            Thread errReader = new Thread(() -> {
                try {
                    p.getErrorStream().transferTo(errBuf);
                } catch (IOException ignored) {
                    // the process died; its exit code tells
                }
            });
            errReader.start();
            for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                String key = n.get("arch").asText() + ":" + n.get("channels").asInt() + ":" + n.get("size").asInt() + ":"
                        + n.get("width").asInt() + ":" + n.get("batch").asInt();
                out.put(key, new Figures(n.get("trainStepSeconds").asDouble(), n.get("inferBatchSeconds").asDouble(),
                        n.get("peakRssBytes").asLong(), "PyTorch " + n.get("torch").asText() + ", " + n.get("threads").asInt() + " threads"));
            }
            int exit = p.waitFor();
            errReader.join();
            if (exit != 0) {
                String tail = errBuf.toString(StandardCharsets.UTF_8).strip();
                tail = tail.substring(Math.max(0, tail.length() - 400));
                String hint = tail.contains("No module named 'torch'") ? " - install PyTorch: apt-get install python3-torch" : "";
                return new Outcome(out, "the PyTorch reference failed (exit " + exit + ")" + hint + ": " + tail);
            }
            return new Outcome(out, null);
        } catch (IOException e) {
            return new Outcome(Map.of(), "the PyTorch reference could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Map.of(), "interrupted");
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }

    /** The key a {@link Throughput.Config} has in {@link Outcome#figures()}: what the script echoes back. */
    static String keyOf(Throughput.Config c) {
        return c.arch() + ":" + c.shape().channels() + ":" + c.shape().height() + ":" + c.width() + ":" + c.batch();
    }
}
