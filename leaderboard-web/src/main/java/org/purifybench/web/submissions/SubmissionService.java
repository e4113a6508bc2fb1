package org.purifybench.web.submissions;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.purifybench.web.importing.ImportOutcome;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.importing.RunAdministration;
import org.purifybench.web.limits.SlidingWindow;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.store.SubmissionRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads, the submitter's view and the admin's actions. An upload is streamed to a file in the
 * data folder while its SHA-256 and size are computed (nothing of it is opened or executed in this
 * JVM), then recorded as {@code received}; the {@link SubmissionWorker} takes it from there.
 *
 * <p>Anonymous uploads must not fill the disk: each client address may store
 * {@code max-uploads-per-hour-per-address} jars an hour (a submitter can type any contact, but not
 * any address), the jars kept on disk may take {@code max-stored-jar-bytes} together, and a jar
 * that will not run (refused, failed, cancelled) is deleted at once.
 */
@Singleton
public class SubmissionService {
    private static final Logger LOG = LoggerFactory.getLogger(SubmissionService.class);
    public static final String JAR = "submission.jar";

    private final SubmissionSettings settings;
    private final SubmissionRepository submissions;
    private final RunAdministration runs;
    private final ResultsImporter importer;
    private final SecureRandom random = new SecureRandom();
    private final SlidingWindow uploadsPerAddress;
    private final Object quota = new Object();
    private volatile Runnable onReceived = () -> { };

    public SubmissionService(SubmissionSettings settings, SubmissionRepository submissions, RunAdministration runs,
                             ResultsImporter importer) {
        this.settings = settings;
        this.submissions = submissions;
        this.runs = runs;
        this.importer = importer;
        this.uploadsPerAddress = new SlidingWindow(settings.maxUploadsPerHourPerAddress(), Duration.ofHours(1));
    }

    /** What the submitter gets once: the id and the secret token of the private status link. */
    public record Receipt(String id, String token) {
        public String statusPath() {
            return "/submissions/" + id + "?token=" + token;
        }
    }

    void onReceived(Runnable wake) {
        this.onReceived = wake;
    }

    public SubmissionSettings settings() {
        return settings;
    }

    /** An upload from inside the server (no client address: no per-address limit). */
    public Receipt receive(InputStream jar, String fileName, String displayName, String contact) {
        return receive(jar, fileName, displayName, contact, null);
    }

    /** An upload from {@code address} (see {@code ClientAddress}), which the per-address limit counts. */
    public Receipt receive(InputStream jar, String fileName, String displayName, String contact, @Nullable String address) {
        if (!settings.enabled()) {
            throw new SubmissionException(503, "Submissions are closed on this server (purifybench.submissions.enabled is false).");
        }
        String name = text(displayName, "name", 1, 100);
        String who = text(contact, "contact", 3, 200);
        String file = fileName == null ? "" : fileName.replaceAll(".*[/\\\\]", "");
        if (!file.toLowerCase(Locale.ROOT).endsWith(".jar")) {
            throw new SubmissionException(400, "The file '" + clip(file) + "' is not a .jar - upload the jar your build writes"
                    + " (e.g. target/my-defense-1.0.0.jar).");
        }
        file = file.replaceAll("[^A-Za-z0-9._-]", "_");
        file = file.length() > 100 ? file.substring(file.length() - 100) : file;
        String key = who.toLowerCase(Locale.ROOT);
        long open = submissions.countByContactAndStatusIn(key, SubmissionState.OPEN);
        if (open >= settings.maxQueuedPerSubmitter()) {
            throw new SubmissionException(429, "You have " + open + " submission(s) not finished yet (the limit is "
                    + settings.maxQueuedPerSubmitter() + " per contact) - wait until one of them is done, then upload again.");
        }
        Instant slot = Instant.now();
        if (address != null) {
            Optional<Duration> wait = uploadsPerAddress.tryAcquire(address, slot);
            if (wait.isPresent()) {
                LOG.warn("submissions: upload from {} refused: {} uploads in the last hour", address, uploadsPerAddress.limit());
                throw new SubmissionException(429, "This address has uploaded " + uploadsPerAddress.limit() + " jars in the last hour,"
                        + " the limit (purifybench.submissions.max-uploads-per-hour-per-address) - try again in "
                        + minutes(wait.get()) + ".", wait.get());
            }
        }
        String id = randomHex(8);
        String token = randomToken();
        Path incoming = settings.incomingDir().resolve(id + ".part");
        Path dir = settings.submissionDir(id);
        try {
            Files.createDirectories(settings.incomingDir());
            Stored stored = store(jar, incoming);
            // One server per database: this lock makes the check and the insert one step for concurrent uploads.
            synchronized (quota) {
                long used = submissions.sumJarBytes(SubmissionState.JAR_KEPT);
                if (used + stored.bytes() > settings.maxStoredJarBytes()) {
                    LOG.warn("submissions: upload of {} bytes refused: the kept jars take {} of {} bytes (max-stored-jar-bytes)",
                            stored.bytes(), used, settings.maxStoredJarBytes());
                    throw new SubmissionException(507, "The server's storage for submitted jars is full: the jars it keeps take "
                            + mib(used) + " of its " + mib(settings.maxStoredJarBytes()) + " (purifybench.submissions.max-stored-jar-bytes)"
                            + " and this one has " + mib(stored.bytes()) + ". Nothing was kept. Space frees when the admin deletes"
                            + " old submissions - try again in a day, or write to the site's admin.");
                }
                Files.createDirectories(dir);
                move(incoming, dir.resolve(JAR));
                Instant now = Instant.now();
                submissions.save(new SubmissionRecord(id, sha256(token.getBytes(StandardCharsets.US_ASCII)), name, key, file,
                        stored.sha256(), stored.bytes(), SubmissionState.RECEIVED, null, null, null, null, null, null, 0, now, now,
                        null, null));
            }
        } catch (SubmissionException e) {
            deleteQuietly(incoming);
            release(address, slot);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(incoming);
            deleteTree(dir);
            release(address, slot);
            LOG.error("could not store submission {}", id, e);
            throw new SubmissionException(500, "The upload could not be stored (" + e.getClass().getSimpleName()
                    + ") - nothing was kept; try again later or tell the site's admin.");
        }
        LOG.info("submission {} received: {} ({}) from {}", id, file, name, address == null ? "the server itself" : address);
        onReceived.run();
        return new Receipt(id, token);
    }

    private record Stored(String sha256, long bytes) {
    }

    /** An upload refused after it took its slot does not count against its address. */
    private void release(@Nullable String address, Instant slot) {
        if (address != null) {
            uploadsPerAddress.release(address, slot);
        }
    }

    private static String minutes(Duration d) {
        long m = Math.max(1, (d.toSeconds() + 59) / 60);
        return m == 1 ? "1 minute" : m + " minutes";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private Stored store(InputStream in, Path target) throws IOException {
        MessageDigest md = digest();
        long n = 0;
        try (in; OutputStream out = Files.newOutputStream(target)) {
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) {
                n += r;
                if (n > settings.maxJarBytes()) {
                    throw new SubmissionException(413, "The jar is larger than " + settings.maxJarBytes() + " bytes, the limit"
                            + " admission sets for plug-in jars - keep data sets and model weights out of the jar.");
                }
                md.update(buf, 0, r);
                out.write(buf, 0, r);
            }
        }
        if (n == 0) {
            throw new SubmissionException(400, "The uploaded file is empty - choose your defense's jar.");
        }
        return new Stored(HexFormat.of().formatHex(md.digest()), n);
    }

    /** The submission, if {@code token} is its token; the same empty answer for a wrong token and an unknown id. */
    public Optional<SubmissionRecord> forSubmitter(String id, String token) {
        if (id == null || token == null || token.isEmpty() || !id.matches("[0-9a-f]{16}")) {
            return Optional.empty();
        }
        byte[] given = sha256(token.getBytes(StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII);
        return submissions.findById(id)
                .filter(s -> MessageDigest.isEqual(s.tokenSha256().getBytes(StandardCharsets.US_ASCII), given));
    }

    public List<SubmissionRecord> all() {
        return submissions.findAllOrderByCreatedAtDesc();
    }

    /** For the admin. */
    public Optional<SubmissionRecord> byId(String id) {
        return submissions.findById(id);
    }

    /** The submissions whose run is {@code runId} (one, or none). */
    public List<SubmissionRecord> forRun(String runId) {
        return submissions.findByRunId(runId);
    }

    /** Publishes a submission's pending results (the run's publish; that also marks the submission published). */
    @Transactional
    public String publish(String id) {
        SubmissionRecord s = find(id);
        if (!SubmissionState.PENDING_REVIEW.equals(s.status()) || s.runId() == null) {
            throw new SubmissionException(409, "Submission " + id + " is " + s.status() + ": only results pending review can be published.");
        }
        if (!runs.publish(s.runId())) {
            throw new SubmissionException(409, "The run " + s.runId() + " of submission " + id + " is no longer in the database"
                    + " (deleted?) - reject the submission, or let the submitter upload again.");
        }
        return "Published submission " + id + " (run " + s.runId() + ")";
    }

    /** Rejects a submission: its results (if any) leave the database, the submitter sees the reason. */
    @Transactional
    public String reject(String id, String reason) {
        SubmissionRecord s = find(id);
        List<String> allowed = List.of(SubmissionState.RECEIVED, SubmissionState.QUEUED, SubmissionState.PENDING_REVIEW,
                SubmissionState.PUBLISHED, SubmissionState.FAILED);
        if (!allowed.contains(s.status())) {
            throw new SubmissionException(409, "Submission " + id + " is " + s.status() + ": it can be rejected when it is "
                    + String.join(", ", allowed) + (SubmissionState.ACTIVE.contains(s.status()) ? " - wait until its job ends" : ""));
        }
        String why = reason == null || reason.isBlank() ? "rejected by an admin" : "rejected by an admin: " + clip(reason.strip());
        if (submissions.finish(id, s.status(), SubmissionState.REJECTED, why, s.logTail(), s.runId(), Instant.now()) != 1) {
            throw new SubmissionException(409, "Submission " + id + " changed meanwhile - reload the page.");
        }
        if (s.runId() != null) {
            runs.delete(s.runId());
        }
        return "Rejected submission " + id;
    }

    /**
     * Cancels a submission that is not finished: a received or queued one leaves the queue; an
     * admitting or running one has its child process tree killed. Its jar is deleted; the record
     * stays, as {@code cancelled}, with its SHA-256 and message.
     */
    public String cancel(String id) {
        SubmissionRecord s = find(id);
        if (!SubmissionState.OPEN.contains(s.status())) {
            throw new SubmissionException(409, "Submission " + id + " is " + s.status() + ": only " + String.join(", ", SubmissionState.OPEN)
                    + " submissions can be cancelled.");
        }
        // The state changes first: a worker that has claimed the job but not started its process yet sees it (CliProcess.run).
        if (submissions.finish(id, s.status(), SubmissionState.CANCELLED, "cancelled by an admin (it was " + s.status() + ")",
                s.logTail(), s.runId(), Instant.now()) != 1) {
            throw new SubmissionException(409, "Submission " + id + " changed meanwhile - reload the page.");
        }
        boolean killed = CliProcess.cancel(id);
        dropJar(id);
        LOG.info("submission {} cancelled by an admin (it was {}{})", id, s.status(), killed ? "; its process tree was killed" : "");
        return "Cancelled submission " + id + (killed ? " (its running process tree was killed)" : "");
    }

    /** Deletes the jar of a submission that will not run (the record keeps its SHA-256 and size); the logs stay. */
    public void dropJar(String id) {
        deleteQuietly(settings.submissionDir(id).resolve(JAR));
    }

    /** Deletes a submission: its record, its files and its results (when they are not published). */
    public String delete(String id) {
        SubmissionRecord s = find(id);
        if (SubmissionState.ACTIVE.contains(s.status())) {
            throw new SubmissionException(409, "Submission " + id + " is " + s.status() + " - cancel it first (or wait until its job"
                    + " ends), then delete it.");
        }
        deleteRecord(s);
        deleteTree(settings.submissionDir(id));
        return "Deleted submission " + id + (SubmissionState.PUBLISHED.equals(s.status())
                ? " (its published run " + s.runId() + " stays on the leaderboard: delete the run to remove it)" : "");
    }

    @Transactional
    public void deleteRecord(SubmissionRecord s) {
        if (s.runId() != null && !SubmissionState.PUBLISHED.equals(s.status())) {
            runs.delete(s.runId());
        }
        submissions.deleteById(s.id());
    }

    /** The run's results, imported as pending and linked to the submission in one transaction. */
    @Transactional
    public ImportOutcome importResults(String id, byte[] results, String logTail) {
        ImportOutcome o = importer.importDocument(results, false);
        if (submissions.finish(id, SubmissionState.RUNNING, SubmissionState.PENDING_REVIEW, null, logTail, o.runId(),
                Instant.now()) != 1) {
            throw new NotRunningException("submission " + id + " was not running any more (cancelled?): its import is rolled back");
        }
        return o;
    }

    /** The submission left {@code running} (an admin cancelled it) while its results were being imported. */
    public static final class NotRunningException extends IllegalStateException {
        NotRunningException(String message) {
            super(message);
        }
    }

    private SubmissionRecord find(String id) {
        return submissions.findById(id).orElseThrow(() -> new SubmissionException(404, "No submission " + id));
    }

    private static String text(String value, String what, int min, int max) {
        String v = value == null ? "" : value.strip();
        if (v.length() < min || v.length() > max || v.chars().anyMatch(Character::isISOControl)) {
            throw new SubmissionException(400, "Give a " + what + " of " + min + " to " + max + " characters (one line).");
        }
        return v;
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private String randomToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not delete {}", p, e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}", dir, e);
        }
    }
}
