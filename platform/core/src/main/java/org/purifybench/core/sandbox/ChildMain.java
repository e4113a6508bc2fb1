package org.purifybench.core.sandbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.purifybench.core.hash.Hashing;
import org.purifybench.core.host.DefaultHost;
import org.purifybench.core.model.HostModel;
import org.purifybench.core.plugin.JarLimits;
import org.purifybench.core.plugin.PluginJarException;
import org.purifybench.core.plugin.SandboxedLoading;
import org.purifybench.core.run.Contexts;
import org.purifybench.spi.Defense;
import org.purifybench.spi.DefenseContext;
import org.purifybench.spi.Kind;
import org.purifybench.spi.LabeledImages;
import org.purifybench.spi.Model;
import org.purifybench.spi.Need;
import org.purifybench.spi.Params;
import org.purifybench.spi.PluginDescriptor;
import org.purifybench.spi.SpiVersion;

/**
 * The child JVM of a sandboxed job: {@code ChildMain JOB_DIR OUT_DIR}. Reads the job, admits the
 * jar copy in the job folder and loads its defense in its own class loader ({@link SandboxedLoading}:
 * the only place a third-party class is ever loaded), checks that the defense's {@code descriptor()}
 * says what the jar's descriptor file declares (kind, id, version, needs), builds the defense's
 * context from the job's data, runs {@code purify} and writes the model to
 * {@code OUT_DIR/purified.model}. On failure it writes {@code OUT_DIR/error.txt} and exits with
 * {@link #EXIT_FAILED}, {@link #EXIT_MEMORY}, {@link #EXIT_JOB}, {@link #EXIT_NOT_HOST_MODEL} or
 * {@link #EXIT_DESCRIPTOR}.
 * Nothing here is trusted by the parent: these codes and texts only explain a failure, and a model
 * is accepted only after the parent validated it.
 */
public final class ChildMain {
    public static final int EXIT_FAILED = 2;
    /** Also the exit code of {@code -XX:+ExitOnOutOfMemoryError}. */
    public static final int EXIT_MEMORY = 3;
    public static final int EXIT_JOB = 4;
    public static final int EXIT_NOT_HOST_MODEL = 5;
    /** The defense's descriptor() does not say what the jar's descriptor file declares. */
    public static final int EXIT_DESCRIPTOR = 6;
    private static final int MAX_ERROR_CHARS = 6000;

    private ChildMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ChildMain JOB_DIR OUT_DIR");
            System.exit(EXIT_JOB);
        }
        Path job = Path.of(args[0]);
        Path out = Path.of(args[1]);
        AtomicBoolean finished = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!finished.get() && !Files.exists(out.resolve(SandboxJob.ERROR))) {
                error(out, "the JVM was asked to exit while the defense was running (System.exit or a signal)");
            }
        }, "sandbox-exit-note"));
        int code;
        try {
            run(job, out);
            code = 0;
        } catch (JobProblem e) {
            error(out, e.getMessage());
            code = e.code;
        } catch (Throwable t) {
            boolean memory = causes(t).stream().anyMatch(c -> c instanceof OutOfMemoryError);
            // a class the plug-in's loader does not offer: the same reason and fix as the conformance kit gives
            SandboxedLoading.MissingClass missing = memory ? null : SandboxedLoading.missingClass(t);
            error(out, (memory ? "out of memory: " : "the defense threw: ") + (missing == null ? "" : missing.text() + "\n") + stackTrace(t));
            code = memory ? EXIT_MEMORY : EXIT_FAILED;
        }
        finished.set(true);
        System.out.flush();
        System.err.flush();
        // halt, not exit: plug-in threads or shutdown hooks must not keep the job alive or change its outcome
        Runtime.getRuntime().halt(code);
    }

    private static void run(Path job, Path out) throws IOException {
        SandboxJob j = SandboxJob.read(job.resolve(SandboxJob.FILE));
        Path jar = job.resolve(j.jar());
        String sha = Hashing.ofFile(jar);
        if (!sha.equals(j.jarSha256())) {
            throw new JobProblem(EXIT_JOB, "the jar copy's SHA-256 is " + sha + ", the job says " + j.jarSha256());
        }
        // The one place the jar's classes are loaded: admitted again, its own class loader, only this
        // defense instantiated, and its descriptor() checked against the descriptor file the harness read.
        Defense defense;
        try {
            SandboxedLoading.Loaded loaded = SandboxedLoading.defense(jar, j.pluginId(), JarLimits.DEFAULTS);
            defense = loaded.defense();
        } catch (PluginJarException e) {
            throw new JobProblem(EXIT_JOB, "the jar was refused in the sandbox: " + e.reason() + " - " + e.fix());
        } catch (SandboxedLoading.DescriptorMismatch e) {
            throw new JobProblem(EXIT_DESCRIPTOR, e.getMessage());
        }
        HostModel backdoored = Exchange.readModel(job.resolve(SandboxJob.BACKDOORED), j.spec());
        LabeledImages tuning = j.needs().contains(Need.CLEAN_TUNING_DATA) ? Exchange.readImages(job.resolve(SandboxJob.TUNING)) : null;
        LabeledImages validation = j.needs().contains(Need.VALIDATION_DATA) ? Exchange.readImages(job.resolve(SandboxJob.VALIDATION)) : null;
        HostModel clean = j.needs().contains(Need.CLEAN_REFERENCE_MODEL) ? Exchange.readModel(job.resolve(SandboxJob.CLEAN), j.spec()) : null;
        // The context offers what the parent honoured, whatever the plug-in's descriptor says here.
        PluginDescriptor honoured = new PluginDescriptor(Kind.DEFENSE, j.pluginId(), j.version(), "", "", j.needs(), SpiVersion.CURRENT);
        Map<String, Double> diagnostics = new java.util.concurrent.ConcurrentHashMap<>();
        DefenseContext context = Contexts.defense(honoured, new Contexts.DefenseInputs(backdoored, tuning, validation,
                null, () -> clean), j.seed(), new Params(j.params()), new DefaultHost(false, System.err), diagnostics::put);
        Thread thread = Thread.currentThread();
        thread.setContextClassLoader(defense.getClass().getClassLoader());
        Model result;
        try {
            result = defense.purify(context);
        } finally {
            thread.setContextClassLoader(ChildMain.class.getClassLoader());
        }
        if (!(result instanceof HostModel model)) {
            throw new JobProblem(EXIT_NOT_HOST_MODEL, "purify returned " + (result == null ? "null" : "a " + result.getClass().getName())
                    + ", not the context's model or a copy of it");
        }
        Exchange.writeModel(model, out.resolve(SandboxJob.OUTPUT));
        if (!diagnostics.isEmpty()) {
            new com.fasterxml.jackson.databind.ObjectMapper().writeValue(out.resolve(SandboxJob.DIAGNOSTICS).toFile(),
                    new java.util.TreeMap<>(diagnostics));
        }
    }

    private static final class JobProblem extends RuntimeException {
        final int code;

        JobProblem(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && all.size() < 20 && !all.contains(c); c = c.getCause()) {
            all.add(c);
        }
        return all;
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        try {
            t.printStackTrace(new PrintWriter(w));
        } catch (Throwable ignored) {
            return String.valueOf(t);
        }
        return w.toString();
    }

    private static void error(Path out, String text) {
        String s = text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "\n..." : text;
        try {
            Files.writeString(out.resolve(SandboxJob.ERROR), s, StandardCharsets.UTF_8);
        } catch (Throwable e) {
            System.err.println("sandbox: cannot write the error file: " + e);
        }
        System.err.println("sandbox: " + s.lines().findFirst().orElse(""));
    }
}
