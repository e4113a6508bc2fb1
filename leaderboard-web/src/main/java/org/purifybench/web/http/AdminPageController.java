package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.CookieValue;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Part;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.purifybench.web.board.RunDetail;
import org.purifybench.web.board.RunService;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.importing.ImportOutcome;
import org.purifybench.web.importing.OfficialSettings;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.importing.RunAdministration;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.submissions.SubmissionException;
import org.purifybench.web.submissions.SubmissionService;
import org.purifybench.web.submissions.SubmissionState;

/**
 * The admin page: upload a results document, preview, publish or delete runs, act on submissions.
 * Every form carries the double-submit CSRF token; the site-wide filter also refuses cross-site
 * Origins. Deleting takes two steps without script: the Delete button GETs a confirmation page
 * (which changes nothing), whose form POSTs the delete.
 */
// JDBC blocks: keep it off the Netty event loop.
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/admin")
@Secured(SecurityRule.IS_AUTHENTICATED)
@Produces(MediaType.TEXT_HTML)
public class AdminPageController {

    private final RunService runs;
    private final ResultsImporter importer;
    private final RunAdministration admin;
    private final CsrfTokens csrf;
    private final OfficialSettings officials;
    private final SubmissionService submissions;
    private final AdminRunPreview previews;

    AdminPageController(RunService runs, ResultsImporter importer, RunAdministration admin, CsrfTokens csrf,
                        SubmissionService submissions, AdminRunPreview previews, OfficialSettings officials) {
        this.officials = officials;
        this.submissions = submissions;
        this.previews = previews;
        this.runs = runs;
        this.importer = importer;
        this.admin = admin;
        this.csrf = csrf;
    }

    @Get
    public HttpResponse<ModelAndView<Map<String, Object>>> page() {
        return render(HttpStatus.OK, null, null);
    }

    @Post(value = "/import", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> upload(@Part("file") CompletedFileUpload file,
                                                                  @Nullable @Part("publish") String publish,
                                                                  @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                  @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        if (!csrf.valid(cookie, token)) {
            return csrfRefused();
        }
        try {
            ImportOutcome o = importer.importDocument(file.getBytes(), publish != null);
            if (!o.created()) {
                return render(HttpStatus.CONFLICT, null, "Not imported: run " + o.runId()
                        + " is already imported with the same content (" + o.status() + "); nothing changed");
            }
            return render(HttpStatus.CREATED, "Imported run " + o.runId() + " (" + o.status() + ", " + o.rows() + " rows)", null);
        } catch (ImportException e) {
            return render(HttpStatus.valueOf(e.reason().httpStatus), null, "Not imported: " + e.getMessage());
        } catch (IOException e) {
            return render(HttpStatus.BAD_REQUEST, null, "Not imported: the upload could not be read (" + e.getMessage() + ")");
        }
    }

    @Post(value = "/runs/{runId}/publish", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> publish(@PathVariable String runId,
                                                                   @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                   @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return runAction(runId, token, cookie, admin::publish, "Published ");
    }

    /** A run as the admin sees it before publishing: its facts and its own numbers (public pages show published runs only). */
    @Get("/runs/{runId}")
    public HttpResponse<ModelAndView<Map<String, Object>>> preview(@PathVariable String runId) {
        return previews.of(runId).<HttpResponse<ModelAndView<Map<String, Object>>>>map(p -> page("admin-run", Map.of("p", p)))
                .orElseGet(() -> render(HttpStatus.NOT_FOUND, null, "No run " + runId));
    }

    /** The first step of deleting a run: what would go, and the form that deletes it. Changes nothing. */
    @Get("/runs/{runId}/delete")
    public HttpResponse<ModelAndView<Map<String, Object>>> confirmDelete(@PathVariable String runId) {
        return runs.detail(runId, true).<HttpResponse<ModelAndView<Map<String, Object>>>>map(d -> {
            List<SubmissionRecord> from = submissions.forRun(runId);
            Map<String, Object> m = new HashMap<>();
            m.put("what", "run");
            m.put("id", runId);
            m.put("action", "/admin/runs/" + d.summary().runPath() + "/delete");
            m.put("facts", List.of("Run " + runId + " (" + d.summary().status() + ", profile " + d.summary().profile() + ", imported "
                    + d.summary().importedAt() + ")", d.summary().rows() + " result rows, " + d.curves() + " curves and "
                    + d.cells().size() + " cells leave the database" + (RunRecord.PUBLISHED.equals(d.summary().status())
                    ? ", and the run leaves the leaderboard" : "")));
            m.put("consequence", from.isEmpty() ? "" : "It came from website submission " + from.get(0).id()
                    + ", which becomes rejected (its submitter sees: its results were deleted by an admin).");
            return page("admin-confirm", m);
        }).orElseGet(() -> render(HttpStatus.NOT_FOUND, null, "No run " + runId));
    }

    @Post(value = "/runs/{runId}/delete", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> delete(@PathVariable String runId,
                                                                  @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                  @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return runAction(runId, token, cookie, admin::delete, "Deleted ");
    }

    @Post(value = "/submissions/{id}/publish", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> publishSubmission(@PathVariable String id,
                                                                             @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                             @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return submissionAction(token, cookie, () -> submissions.publish(id));
    }

    @Post(value = "/submissions/{id}/reject", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> rejectSubmission(@PathVariable String id,
                                                                            @Nullable @Part("reason") String reason,
                                                                            @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                            @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return submissionAction(token, cookie, () -> submissions.reject(id, reason));
    }

    @Post(value = "/submissions/{id}/cancel", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> cancelSubmission(@PathVariable String id,
                                                                            @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                            @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return submissionAction(token, cookie, () -> submissions.cancel(id));
    }

    /** The first step of deleting a submission: what would go, and the form that deletes it. Changes nothing. */
    @Get("/submissions/{id}/delete")
    public HttpResponse<ModelAndView<Map<String, Object>>> confirmDeleteSubmission(@PathVariable String id) {
        Optional<SubmissionRecord> found = submissions.byId(id);
        if (found.isEmpty()) {
            return render(HttpStatus.NOT_FOUND, null, "No submission " + id);
        }
        SubmissionRecord s = found.get();
        Optional<RunDetail> run = s.runId() == null ? Optional.empty() : runs.detail(s.runId(), true);
        Map<String, Object> m = new HashMap<>();
        m.put("what", "submission");
        m.put("id", id);
        m.put("action", "/admin/submissions/" + id + "/delete");
        m.put("facts", List.of("Submission " + id + " (" + s.status() + ") of " + s.displayName() + " <" + s.contact() + ">, file "
                + s.fileName() + ": its record and its files (jar, verdict, logs) are deleted",
                run.map(d -> SubmissionState.PUBLISHED.equals(s.status())
                        ? "Its run " + d.summary().runId() + " (" + d.summary().rows() + " result rows) is published and stays on the"
                        + " leaderboard: delete the run to remove it"
                        : "Its run " + d.summary().runId() + " (" + d.summary().status() + ", " + d.summary().rows()
                        + " result rows) leaves the database").orElse("It has no run in the database")));
        m.put("consequence", SubmissionState.ACTIVE.contains(s.status()) ? "It is " + s.status()
                + " now: cancel it first (deleting it is refused while its job runs)." : "");
        return page("admin-confirm", m);
    }

    @Post(value = "/submissions/{id}/delete", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> deleteSubmission(@PathVariable String id,
                                                                            @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                            @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        return submissionAction(token, cookie, () -> submissions.delete(id));
    }

    private HttpResponse<ModelAndView<Map<String, Object>>> submissionAction(@Nullable String token, @Nullable String cookie,
                                                                             java.util.function.Supplier<String> action) {
        if (!csrf.valid(cookie, token)) {
            return csrfRefused();
        }
        try {
            return render(HttpStatus.OK, action.get(), null);
        } catch (SubmissionException e) {
            return render(HttpStatus.valueOf(e.status()), null, e.getMessage());
        }
    }

    private HttpResponse<ModelAndView<Map<String, Object>>> runAction(String runId, @Nullable String token,
                                                                      @Nullable String cookie,
                                                                      java.util.function.Predicate<String> action, String done) {
        if (!csrf.valid(cookie, token)) {
            return csrfRefused();
        }
        return action.test(runId) ? render(HttpStatus.OK, done + runId, null)
                : render(HttpStatus.NOT_FOUND, null, "No run " + runId);
    }

    /** Marks a setting (fingerprint) as the defense's official one: that entry is ranked, its other settings become variants. */
    @Post(value = "/defenses/{defense}/official", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> markOfficial(@PathVariable String defense, @Nullable @Part("setting") String setting,
                                                                        @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                        @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        if (!csrf.valid(cookie, token)) {
            return csrfRefused();
        }
        try {
            officials.mark(defense, setting == null ? "" : setting);
            return render(HttpStatus.OK, "Setting " + setting + " is now the official setting of " + defense, null);
        } catch (IllegalArgumentException e) {
            return render(HttpStatus.NOT_FOUND, null, e.getMessage());
        }
    }

    @Post(value = "/defenses/{defense}/official/clear", consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> clearOfficial(@PathVariable String defense,
                                                                         @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                         @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        if (!csrf.valid(cookie, token)) {
            return csrfRefused();
        }
        return officials.clear(defense) ? render(HttpStatus.OK, defense + " has no official setting now", null)
                : render(HttpStatus.NOT_FOUND, null, defense + " has no official setting");
    }

    private HttpResponse<ModelAndView<Map<String, Object>>> csrfRefused() {
        return render(HttpStatus.FORBIDDEN, null, "Refused: the form's security token is missing or stale - reload the admin page and try again");
    }

    /** Another admin page (preview, confirmation), with a fresh token like {@link #render}. */
    private MutableHttpResponse<ModelAndView<Map<String, Object>>> page(String view, Map<String, Object> model) {
        String token = csrf.newToken();
        Map<String, Object> m = new HashMap<>(model);
        m.put("csrf", token);
        m.put("csrfField", CsrfTokens.FIELD);
        return HttpResponse.<ModelAndView<Map<String, Object>>>status(HttpStatus.OK).body(new ModelAndView<>(view, m))
                .cookie(csrf.cookie(token)).contentType(MediaType.TEXT_HTML_TYPE)
                .header("Cache-Control", "no-store");
    }

    /** Every admin page gets a fresh token, in the cookie and in each form. */
    private MutableHttpResponse<ModelAndView<Map<String, Object>>> render(HttpStatus status, @Nullable String message,
                                                                          @Nullable String error) {
        String token = csrf.newToken();
        Map<String, Object> m = new HashMap<>();
        m.put("runs", runs.all());
        m.put("settings", officials.choices());
        m.put("submissions", submissions.all());
        m.put("submissionsEnabled", submissions.settings().enabled());
        m.put("csrf", token);
        m.put("csrfField", CsrfTokens.FIELD);
        m.put("maxBytes", importer.maxBytes());
        if (message != null) {
            m.put("message", message);
        }
        if (error != null) {
            m.put("error", error);
        }
        return HttpResponse.<ModelAndView<Map<String, Object>>>status(status).body(new ModelAndView<>("admin", m))
                .cookie(csrf.cookie(token)).contentType(MediaType.TEXT_HTML_TYPE);
    }
}
