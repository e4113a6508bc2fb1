package org.purifybench.web.submissions;

import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue: the submissions table is the queue, so jobs survive a restart. One thread admits
 * uploads (seconds each, so a refusal shows at once even while a run is going on); {@code workers}
 * threads (1 by default: a run takes the machine's cores) run admitted jars. Each job is claimed
 * with a conditional update (received -> admitting, queued -> running) so no two threads take the
 * same job. At start-up, jobs the previous server left admitting or running go back to received /
 * queued; a run resumes where it stopped (same matrix, same run folder and journal). A job whose
 * run was interrupted {@code max-attempts} times fails. When the server stops, the child processes
 * are killed and their jobs stay claimed, to be re-queued at the next start.
 *
 * <p>Only for a server: the {@code leaderboard import/publish/delete} commands start no worker.
 */
@Singleton
public class SubmissionWorker {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionWorker.class);
    private static final Pattern RESULTS_LINE = Pattern.compile("(?m)^results: (.+)$");

    private final SubmissionSettings settings;
    private final SubmissionRepository submissions;
    private final SubmissionService service;
    private final LogTail tails;
    private final Object signal = new Object();
    private final List<ExecutorService> pools = new ArrayList<>();
    private volatile boolean stopping;

    public SubmissionWorker(SubmissionSettings settings, SubmissionRepository submissions, SubmissionService service) {
        this.settings = settings;
        this.submissions = submissions;
        this.service = service;
        Path cli = Path.of(settings.cli()).toAbsolutePath().normalize();
        this.tails = new LogTail(Map.of(settings.dataDir(), "<data>", cli.getParent() == null ? cli : cli.getParent(), "<purifybench>",
                Path.of(System.getProperty("user.home")), "~"));
    }

    @EventListener
    void onStartup(ServerStartupEvent event) {
        if (settings.enabled()) {
            start();
        }
    }

    synchronized void start() {
        if (!pools.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(settings.workDir());
            Files.createDirectories(settings.emptySubmissionsDir());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the submissions data folder " + settings.dataDir() + " ("
                    + e.getMessage() + ") - set purifybench.submissions.data-dir to a writable folder", e);
        }
        if (!java.nio.file.Files.isExecutable(Path.of(settings.cli()))) {
            LOG.warn("submissions: the PurifyBench command {} is not an executable file (from {}) - set"
                    + " purifybench.submissions.cli (PURIFYBENCH_CLI); jobs fail until then", settings.cli(),
                    Path.of("").toAbsolutePath());
        }
        recover();
        service.onReceived(this::wake);
        ExecutorService admission = Executors.newSingleThreadExecutor(r -> thread(r, "submission-admission"));
        admission.submit(() -> loop(SubmissionState.RECEIVED, this::admit));
        pools.add(admission);
        ExecutorService runs = Executors.newFixedThreadPool(settings.workers(), r -> thread(r, "submission-run"));
        for (int i = 0; i < settings.workers(); i++) {
            runs.submit(() -> loop(SubmissionState.QUEUED, this::run));
        }
        pools.add(runs);
        LOG.info("submissions: {} worker(s), data in {}, CLI {}", settings.workers(), settings.dataDir(), settings.cli());
    }

    /** Jobs a stopped server left half done go back into the queue. */
    void recover() {
        Instant now = Instant.now();
        long admitting = submissions.transitionAll(SubmissionState.ADMITTING, SubmissionState.RECEIVED, now);
        long running = submissions.transitionAll(SubmissionState.RUNNING, SubmissionState.QUEUED, now);
        if (admitting + running > 0) {
            LOG.info("submissions: re-queued {} admission(s) and {} run(s) left unfinished by the previous server", admitting, running);
        }
        // jars of jobs that ended without results under an older server (or whose deletion failed)
        for (SubmissionRecord s : submissions.findByStatusIn(SubmissionState.JAR_DROPPED)) {
            service.dropJar(s.id());
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
        wake();
        pools.forEach(ExecutorService::shutdownNow);
        CliProcess.killAll();
        for (ExecutorService p : pools) {
            try {
                p.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private interface Job {
        void process(SubmissionRecord s) throws Exception;
    }

    private void loop(String waitingState, Job job) {
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            boolean worked = false;
            try {
                Optional<SubmissionRecord> next = submissions.findFirstByStatusOrderByCreatedAt(waitingState);
                if (next.isPresent()) {
                    worked = true;
                    job.process(next.get());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                LOG.error("submissions: a job failed unexpectedly", e);
                worked = false; // do not spin on a broken database
            }
            if (!worked) {
                synchronized (signal) {
                    try {
                        signal.wait(settings.pollInterval().toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    // ---- admission ----

    private void admit(SubmissionRecord s) throws IOException {
        if (submissions.transition(s.id(), SubmissionState.RECEIVED, SubmissionState.ADMITTING, Instant.now()) != 1) {
            return; // someone else took it, or an admin acted on it
        }
        Path dir = settings.submissionDir(s.id());
        Path jar = dir.resolve(SubmissionService.JAR);
        Path verdictFile = dir.resolve("admit.json");
        Path log = dir.resolve("admit.log");
        Files.deleteIfExists(verdictFile);
        Files.deleteIfExists(log);
        if (!Files.isRegularFile(jar)) {
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.FAILED, "The uploaded jar is missing from the server's data"
                    + " folder - an admin has to look at it; upload the jar again.", null);
            return;
        }
        CliProcess.Outcome o;
        try {
            o = CliProcess.run(s.id(), () -> still(s.id(), SubmissionState.ADMITTING),
                    List.of(settings.cli(), "admit", jar.toString(), "--json"), settings.dataDir(), verdictFile, log,
                    settings.admitTimeout());
        } catch (IOException e) {
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.FAILED, cannotStart(e), null);
            return;
        }
        if (o.cancelled()) {
            LOG.info("submission {}: admission cancelled by an admin", s.id());
            return;
        }
        if (o.interrupted() || stopping) {
            return; // the server is stopping (its kill may have ended the child first): re-queued at the next start
        }
        String tail = tails.of(log);
        if (o.timedOut()) {
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.REFUSED, "Admitting the jar did not finish within "
                    + human(settings.admitTimeout()) + " (admission reads the jar as data and loads none of its classes: the server"
                    + " may be overloaded) - try again later, or ask the admin.", tail);
            return;
        }
        AdmissionVerdict v;
        try {
            v = AdmissionVerdict.parse(Files.readAllBytes(verdictFile));
        } catch (IOException e) {
            String error = LogTail.lastError(tail);
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.FAILED, "The admission check did not give a verdict (exit code "
                    + o.exitCode() + (error == null ? "" : ": " + error) + "). If your jar's classes call System.exit or print to"
                    + " stdout while they load, remove that; otherwise an admin has to look at the server.", tail);
            return;
        }
        if (!v.accepted()) {
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.REFUSED, tails.sanitise("Refused at " + v.stage() + ": "
                    + v.reason() + " - " + v.fix()), tail);
            return;
        }
        String refusal = v.websiteRefusal();
        if (refusal != null) {
            end(s.id(), SubmissionState.ADMITTING, SubmissionState.REFUSED, tails.sanitise("Refused: " + refusal), tail);
            return;
        }
        AdmissionVerdict.Plugin d = v.defense();
        submissions.queue(s.id(), d.id(), clip(d.version(), 200), clip(String.join(", ", d.needs()), 500), Instant.now());
        LOG.info("submission {} admitted: defense {} {}", s.id(), d.id(), d.version());
    }

    // ---- run ----

    private void run(SubmissionRecord s) throws IOException {
        if (s.attempts() >= settings.maxAttempts()) {
            end(s.id(), SubmissionState.QUEUED, SubmissionState.FAILED, "The run was interrupted " + s.attempts() + " times (the"
                    + " server stopped while it ran) and was given up - an admin can look at the server's log.", null);
            return;
        }
        if (submissions.claimRun(s.id(), Instant.now()) != 1) {
            return;
        }
        Path dir = settings.submissionDir(s.id());
        Path log = dir.resolve("run.log");
        Files.writeString(log, "=== purifybench website: run attempt " + (s.attempts() + 1) + " of submission " + s.id() + " at "
                + Instant.now() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long logStart = Files.size(log);
        List<String> cmd = new ArrayList<>(List.of(settings.cli(), "--work-dir", settings.workDir().toString(), "run"));
        if (settings.matrix() != null) {
            cmd.addAll(List.of("--matrix", settings.matrix().toString()));
        } else {
            cmd.addAll(List.of("--profile", settings.profile()));
        }
        cmd.addAll(List.of("--plugin", dir.resolve(SubmissionService.JAR).toString(),
                "--submissions", settings.emptySubmissionsDir().toString(),
                "--defenses", "none," + s.pluginId(),
                "--description", description(s),
                "--quiet"));
        CliProcess.Outcome o;
        try {
            o = CliProcess.run(s.id(), () -> still(s.id(), SubmissionState.RUNNING), cmd, settings.dataDir(), log, log,
                    settings.runTimeout());
        } catch (IOException e) {
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, cannotStart(e), null);
            return;
        }
        if (o.cancelled()) {
            Files.writeString(log, "=== purifybench website: cancelled by an admin at " + Instant.now() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            LOG.info("submission {}: run cancelled by an admin, its process tree killed", s.id());
            return;
        }
        if (o.interrupted() || stopping) {
            return; // the server is stopping (its kill may have ended the child first): re-queued at the next start
        }
        String tail = tails.of(log);
        if (o.timedOut()) {
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, "The run took longer than the limit of "
                    + human(settings.runTimeout()) + " and was stopped.", tail);
            return;
        }
        if (o.exitCode() != 0) {
            String error = LogTail.lastError(tail);
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, "The run failed (exit code " + o.exitCode() + ")"
                    + (error == null ? "" : ": " + error), tail);
            return;
        }
        Path results = resultsFile(log, logStart);
        if (results == null) {
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, "The run ended without naming its results file (no"
                    + " 'results: ' line in its output) - an admin has to look at the server.", tail);
            return;
        }
        byte[] document = Files.readAllBytes(results);
        String mismatch = notThisSubmission(document, s, description(s));
        if (mismatch != null) {
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, "The run's results are not this submission's: " + mismatch
                    + " - an admin has to look at the server.", tail);
            return;
        }
        try {
            service.importResults(s.id(), document, tail);
            LOG.info("submission {}: results imported, pending review", s.id());
        } catch (SubmissionService.NotRunningException e) {
            LOG.info("submission {}: its run finished, but an admin had cancelled it meanwhile: results not imported", s.id());
        } catch (ImportException e) {
            end(s.id(), SubmissionState.RUNNING, SubmissionState.FAILED, "The run's results could not be imported: "
                    + tails.sanitise(e.getMessage()), tail);
        }
    }

    /** The matrix description of a submission's run: part of its config hash, so its own run id. */
    static String description(SubmissionRecord s) {
        return "website submission " + s.id() + ", jar sha256 " + s.jarSha256();
    }

    /**
     * Null when the results document is the run of this submission: its configuration carries the
     * submission's description, and its plug-ins list the submitted defense with the jar's SHA-256
     * (the harness hashes the jar it loaded). Otherwise what does not match.
     */
    static String notThisSubmission(byte[] document, SubmissionRecord s, String description) {
        com.fasterxml.jackson.databind.JsonNode doc;
        try {
            doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(document);
        } catch (IOException e) {
            return "the results file is not JSON (" + e.getMessage() + ")";
        }
        if (doc == null || !description.equals(doc.path("config").path("description").asText(null))) {
            return "its configuration does not carry the description '" + description + "'";
        }
        for (com.fasterxml.jackson.databind.JsonNode p : doc.path("plugins")) {
            if ("defense".equals(p.path("kind").asText()) && s.pluginId().equals(p.path("id").asText())) {
                return s.jarSha256().equals(p.path("sha256").asText()) ? null
                        : "defense '" + s.pluginId() + "' ran from a jar with SHA-256 " + p.path("sha256").asText() + ", not the uploaded "
                        + s.jarSha256();
            }
        }
        return "it does not list defense '" + s.pluginId() + "'";
    }

    /** The results file the run printed, if it lies in the work folder's runs. */
    private Path resultsFile(Path log, long from) throws IOException {
        long size = Files.size(log);
        long start = Math.max(from, size - LogTail.MAX_BYTES);
        byte[] bytes;
        try (var f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            bytes = new byte[(int) (size - start)];
            f.seek(start);
            f.readFully(bytes);
        }
        Matcher m = RESULTS_LINE.matcher(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        String last = null;
        while (m.find()) {
            last = m.group(1).strip();
        }
        if (last == null) {
            return null;
        }
        Path p = settings.dataDir().resolve(last).toAbsolutePath().normalize();
        Path runs = settings.workDir().resolve("runs");
        return p.startsWith(runs) && Files.isRegularFile(p) ? p : null;
    }

    private String cannotStart(IOException e) {
        LOG.error("submissions: cannot start the PurifyBench command {} - set purifybench.submissions.cli (PURIFYBENCH_CLI)",
                settings.cli(), e);
        return "The server could not start the PurifyBench command - an admin has to check the server's setting"
                + " purifybench.submissions.cli; upload again later.";
    }

    /** Whether the job is still in {@code state} (not cancelled by an admin meanwhile). */
    private boolean still(String id, String state) {
        return submissions.findById(id).map(x -> state.equals(x.status())).orElse(false);
    }

    /** A job's end; a refused or failed job's jar is deleted at once (its SHA-256, message and log tail stay in the record). */
    private void end(String id, String from, String to, String message, String tail) {
        if (submissions.finish(id, from, to, message, tail, null, Instant.now()) != 1) {
            LOG.info("submission {}: not {} any more (an admin acted on it meanwhile), so not {}", id, from, to);
            return;
        }
        LOG.info("submission {}: {} - {}", id, to, message);
        if (SubmissionState.JAR_DROPPED.contains(to)) {
            service.dropJar(id);
        }
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }

    static String human(Duration d) {
        return d.toSeconds() % 3600 == 0 ? d.toHours() + " h" : d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
