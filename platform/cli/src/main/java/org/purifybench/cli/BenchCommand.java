package org.purifybench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.purifybench.core.model.ComputeEngine;
import org.purifybench.core.model.Engines;
import org.purifybench.core.UserException;
import org.purifybench.core.bench.Throughput;
import org.purifybench.core.fingerprint.CodeVersion;
import org.purifybench.spi.ImageShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = {
        "Train-step and inference throughput and peak memory of the model zoo, side by side with the same models in PyTorch",
        "(python3-torch, same threads, same protocol): median of --repeats timed runs of --steps steps after --warmup steps.",
        "A benchmark, not a test: run it on an otherwise idle machine."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "ARCH:CxS[:WIDTH]",
            description = "Models and input shapes (default: ${DEFAULT-VALUE}: cnn-small on Fashion-MNIST- and CIFAR-sized input, PreAct-ResNet-18 on CIFAR-sized input); width defaults to the architecture's (cnn-small 32, preact-resnet18 64). The torchvision architectures are not benchmarked yet: the Python reference builds these two only.",
            defaultValue = "cnn-small:1x28,cnn-small:3x32,preact-resnet18:3x32")
    List<String> models;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "64,128", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = "--steps", description = "Steps per timed run (default: 20 for cnn-small, 5 for the others).")
    Integer steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--no-reference", description = "Do not run the PyTorch reference.")
    boolean noReference;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python interpreter with torch (default: ${DEFAULT-VALUE}, the one Debian's python3-torch installs into).")
    String python;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every figure (each run, both sides) to FILE.")
    Path json;

    @Option(names = "--engine", split = ",", defaultValue = "nd4j", paramLabel = "ENGINE[,ENGINE]",
            description = "Engines to measure, each beside the PyTorch reference: nd4j, pytorch or nd4j,pytorch (default: ${DEFAULT-VALUE}).")
    List<String> engines;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]",
            description = "Device for the pytorch engine (default: ${DEFAULT-VALUE}); the reference runs on the CPU.")
    String device;

    @Option(names = "--hook", defaultValue = "plain", paramLabel = "plain|copying",
            description = "plain steps, or every step through a hook that reads the parameters and returns the gradient: the"
                    + " copies a gradient-replacing defense (SAM, PAM, FST, ANP, I-BAU) costs on the pytorch engine (default: ${DEFAULT-VALUE}).")
    String hook;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--memory-epochs", defaultValue = "0", paramLabel = "N",
            description = "Also train the first model N epochs (2,000 random images) and print resident memory after each:"
                    + " native memory must stay bounded (20 epochs show it). Default: ${DEFAULT-VALUE} (skip).")
    int memoryEpochs;

    @Override
    public Integer call() throws IOException {
        if (repeats < 1 || warmup < 0) {
            throw new UserException("bench needs --repeats >= 1 and --warmup >= 0", "e.g. --repeats 5 --warmup 3");
        }
        List<Throughput.Config> configs = new ArrayList<>();
        for (String m : models) {
            for (int b : batchSizes) {
                configs.add(withSteps(parse(m, b)));
            }
        }
        int threads = threads();
        List<ComputeEngine> opened = new ArrayList<>();
        for (String e : engines) {
            opened.add(Engines.open(e.trim(), e.trim().equals(ComputeEngine.DEFAULT) ? ComputeEngine.CPU : device));
        }
        System.out.printf("purifybench bench - %s, %d threads (OMP_NUM_THREADS), median of %d runs after %d warm-up steps%n",
                CodeVersion.get(), threads, repeats, warmup);
        opened.forEach(e -> System.out.println("engine " + e.label() + ": " + e.describe()));
        stepHook();
        if (!hook.equals("plain")) {
            System.out.println("every training step through the " + hook + " step hook (the reference's steps stay plain)");
        }
        System.out.println("load average before: " + loadAverage() + "; native allocator: " + allocator());
        List<Throughput.Result> ours = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (Throughput.Config c : configs) {
            for (ComputeEngine engine : opened) {
                System.err.printf("bench: %s on %s ...%n", c.key(), engine.label());
                try {
                    ours.add(Throughput.measure(c, warmup, repeats, seed, engine, stepHook()));
                } catch (OutOfMemoryError e) {
                    // One configuration too big for the memory caps must not lose the others' figures.
                    failed.put(PyTorchReference.keyOf(c) + " " + engine.label(), "out of memory: " + e.getMessage());
                    System.gc();
                }
            }
        }
        PyTorchReference.Outcome ref = noReference ? new PyTorchReference.Outcome(Map.of(), "--no-reference")
                : PyTorchReference.run(configs, threads, warmup, repeats, seed, python);
        print(ours, ref);
        failed.forEach((k, why) -> System.out.println("NOT MEASURED " + k + " (ours): " + why
                + " - raise the caps: PURIFYBENCH_JAVA_OPTS=\"-Dorg.bytedeco.javacpp.maxphysicalbytes=16G ...\""));
        System.out.println("load average after: " + loadAverage() + " (figures from a busy machine are not comparable)");
        if (memoryEpochs > 0) {
            opened.forEach(e -> memory(configs.get(0), e));
        }
        if (json != null) {
            writeJson(ours, ref, threads);
        }
        return 0;
    }

    private org.purifybench.spi.StepHook stepHook() {
        return switch (hook) {
            case "plain" -> org.purifybench.spi.StepHook.PLAIN;
            case "copying" -> Throughput.COPYING_HOOK;
            default -> throw new UserException("unknown --hook '" + hook + "'", "use --hook plain or --hook copying");
        };
    }

    static Throughput.Config parse(String model, int batch) {
        String[] p = model.split(":");
        String fix = "write ARCH:CxS[:WIDTH], e.g. cnn-small:3x32 or preact-resnet18:3x32:64";
        if (p.length < 2 || p.length > 3 || !p[1].matches("\\d+x\\d+")) {
            throw new UserException("bad --models entry '" + model + "'", fix);
        }
        if (!p[0].equals(org.purifybench.core.model.ModelSpec.CNN_SMALL) && !p[0].equals(org.purifybench.core.model.ModelSpec.PREACT_RESNET18)) {
            throw new UserException("bad --models entry '" + model + "': the PyTorch reference builds cnn-small and preact-resnet18 only", fix);
        }
        String[] cs = p[1].split("x");
        int width = p.length == 3 ? Integer.parseInt(p[2]) : org.purifybench.core.model.ModelSpec.defaultWidth(p[0]);
        int steps = p[0].equals("cnn-small") ? 20 : 5;
        try {
            return new Throughput.Config(p[0], new ImageShape(Integer.parseInt(cs[0]), Integer.parseInt(cs[1]), Integer.parseInt(cs[1])),
                    width, batch, steps);
        } catch (UserException e) {
            throw new UserException("bad --models entry '" + model + "': " + e.problem(), e.fix() + "; " + fix);
        } catch (IllegalArgumentException e) {
            throw new UserException("bad --models entry '" + model + "': " + e.getMessage(), fix);
        }
    }

    private Throughput.Config withSteps(Throughput.Config c) {
        return steps == null ? c : new Throughput.Config(c.arch(), c.shape(), c.width(), c.batch(), steps);
    }

    /** The allocator the launcher chose, with the setting that tunes it (figures depend on both). */
    private static String allocator() {
        boolean jemalloc = String.valueOf(System.getenv("LD_PRELOAD")).contains("jemalloc");
        String setting = jemalloc ? "MALLOC_CONF" : "MALLOC_ARENA_MAX";
        String value = System.getenv(setting);
        return (jemalloc ? "jemalloc" : "glibc malloc") + (value == null ? "" : " (" + setting + " " + value + ")");
    }

    /** The 1, 5 and 15 minute load averages, so a reader can tell whether the machine was idle. */
    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static int threads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        try {
            return omp != null ? Integer.parseInt(omp.trim()) : Runtime.getRuntime().availableProcessors();
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private void print(List<Throughput.Result> ours, PyTorchReference.Outcome ref) {
        System.out.println();
        System.out.printf("%-24s %5s %-8s | %-39s | %-36s | %s%n", "MODEL (input)", "BATCH", "ENGINE",
                "TRAIN img/s: ours  pytorch  ratio", "INFER img/s: ours  pytorch  ratio", "PEAK RSS MB: ours pytorch");
        for (Throughput.Result r : ours) {
            Throughput.Config c = r.config();
            PyTorchReference.Figures t = ref.figures().get(PyTorchReference.keyOf(c));
            String model = String.format("%s w%d (%dx%dx%d)", c.arch(), c.width(), c.shape().channels(), c.shape().height(), c.shape().width());
            System.out.printf("%-24s %5d %-8s | %18.0f %8s %6s | %15.0f %8s %6s | %11.0f %s%n", model, c.batch(), r.engine(),
                    r.trainImagesPerSecond(), t == null ? "-" : String.format("%.0f", c.batch() / t.trainStepSeconds()),
                    t == null ? "-" : String.format("%.2f", t.trainStepSeconds() / r.trainStepSeconds()),
                    r.inferImagesPerSecond(), t == null ? "-" : String.format("%.0f", c.batch() / t.inferBatchSeconds()),
                    t == null ? "-" : String.format("%.2f", t.inferBatchSeconds() / r.inferBatchSeconds()),
                    r.peakRssBytes() / 1e6, t == null ? "-" : String.format("%.0f", t.peakRssBytes() / 1e6));
        }
        System.out.println();
        System.out.println("ratio = our throughput / PyTorch's (>= 1: we are at least as fast). Train step = forward, cross-entropy,"
                + " backward and SGD (momentum 0.9, Nesterov, weight decay 5e-4) on a batch drawn from a shuffled in-memory set;"
                + " inference = predicted classes of one batch. Peak = the process's peak resident"
                + " memory during that row (ours includes the JVM heap and the engine's native memory; with two engines in one"
                + " process the later rows also hold what the earlier engine kept: measure one engine per run for its memory).");
        ref.figures().values().stream().findFirst().ifPresent(f -> System.out.println("reference: " + f.version()));
        if (ref.unavailable() != null) {
            System.out.println("PyTorch reference not run: " + ref.unavailable());
        }
    }

    private void memory(Throughput.Config c, ComputeEngine engine) {
        System.out.printf("%nResident memory over %d epochs of %s w%d, batch %d on %s (2,000 random images; GCs paced by purifybench.native.headroom):%n",
                memoryEpochs, c.arch(), c.width(), c.batch(), engine.label());
        List<Long> rss = Throughput.residentAfterEpochs(c, memoryEpochs, 2000, seed, engine);
        StringBuilder line = new StringBuilder();
        for (int e = 0; e < rss.size(); e++) {
            line.append(String.format("%s%d:%.0f", e == 0 ? "" : "  ", e + 1, rss.get(e) / 1e6));
        }
        System.out.println("epoch:MB  " + line);
        long first = rss.get(Math.min(1, rss.size() - 1));
        long last = rss.get(rss.size() - 1);
        long max = rss.stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.printf("from epoch %d to %d: %+.0f MB (peak %.0f MB); garbage collections paced so far: %d%n",
                Math.min(2, rss.size()), rss.size(), (last - first) / 1e6, max / 1e6,
                org.purifybench.core.model.NativeMemoryPacer.collections());
    }

    private void writeJson(List<Throughput.Result> ours, PyTorchReference.Outcome ref, int threads) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("codeVersion", CodeVersion.get());
        doc.put("threads", threads);
        doc.put("warmup", warmup);
        doc.put("repeats", repeats);
        doc.put("ours", ours);
        doc.put("pytorch", ref.figures());
        doc.put("pytorchUnavailable", ref.unavailable());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
        System.out.println("figures written to " + json);
    }
}
