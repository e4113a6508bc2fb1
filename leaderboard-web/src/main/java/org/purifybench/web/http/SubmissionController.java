package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.CookieValue;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Part;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.purifybench.web.board.RunDetail;
import org.purifybench.web.board.RunService;
import org.purifybench.web.store.SubmissionRecord;
import org.purifybench.web.submissions.SubmissionException;
import org.purifybench.web.submissions.SubmissionService;
import org.purifybench.web.submissions.SubmissionState;

/**
 * The public side of submissions: the upload form (double-submit CSRF token, like the admin's
 * forms), and the submitter's private status page, reached only with the token shown once at upload
 * (a wrong token and an unknown id get the same 404). Status pages are not cached and send no
 * Referer, so the token stays in the submitter's hands.
 */
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Produces(MediaType.TEXT_HTML)
public class SubmissionController {
    static final String FORM_PATH = "/submit";

    private final SubmissionService submissions;
    private final RunService runs;
    private final CsrfTokens csrf;
    private final ClientAddress addresses;

    SubmissionController(SubmissionService submissions, RunService runs, CsrfTokens csrf, ClientAddress addresses) {
        this.submissions = submissions;
        this.runs = runs;
        this.csrf = csrf;
        this.addresses = addresses;
    }

    @Get(FORM_PATH)
    public HttpResponse<ModelAndView<Map<String, Object>>> form() {
        return formPage(submissions.settings().enabled() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, null, null);
    }

    @Post(value = FORM_PATH, consumes = MediaType.MULTIPART_FORM_DATA)
    public HttpResponse<ModelAndView<Map<String, Object>>> upload(HttpRequest<?> request,
                                                                  @Nullable @Part("jar") CompletedFileUpload jar,
                                                                  @Nullable @Part("name") String name,
                                                                  @Nullable @Part("contact") String contact,
                                                                  @Nullable @Part(CsrfTokens.FIELD) String token,
                                                                  @Nullable @CookieValue(CsrfTokens.COOKIE) String cookie) {
        if (!csrf.valid(cookie, token)) {
            return formPage(HttpStatus.FORBIDDEN, null, "Refused: the form's security token is missing or stale - reload the"
                    + " page and upload again.");
        }
        if (jar == null) {
            return formPage(HttpStatus.BAD_REQUEST, null, "Choose your defense's jar file.");
        }
        try {
            SubmissionService.Receipt r = submissions.receive(jar.getInputStream(), jar.getFilename(), name, contact,
                    addresses.of(request));
            return formPage(HttpStatus.CREATED, r, null);
        } catch (SubmissionException e) {
            MutableHttpResponse<ModelAndView<Map<String, Object>>> page = formPage(HttpStatus.valueOf(e.status()), null, e.getMessage());
            if (e.retryAfter() != null) {
                page.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
            }
            return page;
        } catch (IOException e) {
            return formPage(HttpStatus.BAD_REQUEST, null, "The upload could not be read (" + e.getMessage() + ") - try again.");
        }
    }

    @Get("/submissions/{id}")
    public HttpResponse<ModelAndView<Map<String, Object>>> status(@PathVariable String id, @Nullable @QueryValue String token) {
        Optional<SubmissionRecord> s = submissions.forSubmitter(id, token);
        if (s.isEmpty()) {
            return notFound();
        }
        Map<String, Object> m = new HashMap<>();
        m.put("s", s.get());
        m.put("explained", SubmissionState.explain(s.get().status()));
        m.put("token", token);
        boolean hasResults = s.get().runId() != null && (SubmissionState.PENDING_REVIEW.equals(s.get().status())
                || SubmissionState.PUBLISHED.equals(s.get().status()));
        m.put("hasResults", hasResults && runs.detail(s.get().runId(), true).isPresent());
        return private_(HttpResponse.ok(new ModelAndView<>("submission", m)));
    }

    /** The submitter's own results, also while they are pending (public run pages show published runs only). */
    @Get("/submissions/{id}/results")
    public HttpResponse<ModelAndView<Map<String, Object>>> results(@PathVariable String id, @Nullable @QueryValue String token) {
        Optional<SubmissionRecord> s = submissions.forSubmitter(id, token);
        Optional<RunDetail> detail = s.filter(x -> x.runId() != null && (SubmissionState.PENDING_REVIEW.equals(x.status())
                || SubmissionState.PUBLISHED.equals(x.status()))).flatMap(x -> runs.detail(x.runId(), true));
        if (detail.isEmpty()) {
            return notFound();
        }
        return private_(HttpResponse.ok(new ModelAndView<>("run", Map.of("r", detail.get()))));
    }

    private static MutableHttpResponse<ModelAndView<Map<String, Object>>> private_(MutableHttpResponse<ModelAndView<Map<String, Object>>> r) {
        return r.header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").contentType(MediaType.TEXT_HTML_TYPE);
    }

    private static HttpResponse<ModelAndView<Map<String, Object>>> notFound() {
        return private_(HttpResponse.<ModelAndView<Map<String, Object>>>status(HttpStatus.NOT_FOUND).body(new ModelAndView<>("error",
                Map.<String, Object>of("status", 404, "message", "No such submission, or the link is incomplete - use the"
                        + " whole private link you got at upload."))));
    }

    private MutableHttpResponse<ModelAndView<Map<String, Object>>> formPage(HttpStatus status, @Nullable SubmissionService.Receipt receipt,
                                                                     @Nullable String error) {
        String token = csrf.newToken();
        Map<String, Object> m = new HashMap<>();
        m.put("enabled", submissions.settings().enabled());
        m.put("csrf", token);
        m.put("csrfField", CsrfTokens.FIELD);
        m.put("maxMiB", submissions.settings().maxJarBytes() / 1048576.0);
        m.put("maxPerSubmitter", submissions.settings().maxQueuedPerSubmitter());
        m.put("maxPerHour", submissions.settings().maxUploadsPerHourPerAddress());
        m.put("profile", submissions.settings().matrix() != null ? "the server's matrix file" : "the '"
                + submissions.settings().profile() + "' profile");
        if (receipt != null) {
            m.put("receipt", receipt);
        }
        if (error != null) {
            m.put("error", error);
        }
        return private_(HttpResponse.<ModelAndView<Map<String, Object>>>status(status).body(new ModelAndView<>("submit", m)))
                .cookie(csrf.cookie(token, FORM_PATH));
    }
}
