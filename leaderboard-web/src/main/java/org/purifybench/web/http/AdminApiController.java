package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.nio.charset.StandardCharsets;
import org.purifybench.web.importing.ImportException;
import org.purifybench.web.importing.ImportOutcome;
import org.purifybench.web.importing.OfficialSettings;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.importing.RunAdministration;

/**
 * Authenticated JSON endpoints for CI and scripts: import a results document (pending unless
 * publish=true), publish, delete. HTTP Basic with the admin account.
 */
// JDBC blocks: keep it off the Netty event loop.
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/admin")
@Secured(SecurityRule.IS_AUTHENTICATED)
public class AdminApiController {

    private final ResultsImporter importer;
    private final RunAdministration admin;
    private final OfficialSettings officials;

    AdminApiController(ResultsImporter importer, RunAdministration admin, OfficialSettings officials) {
        this.importer = importer;
        this.admin = admin;
        this.officials = officials;
    }

    @Post("/runs")
    @Consumes(MediaType.APPLICATION_JSON)
    public HttpResponse<?> importRun(@Body String document, @Nullable @QueryValue String publish) {
        ImportOutcome outcome = importer.importDocument(document.getBytes(StandardCharsets.UTF_8),
                QueryParams.flag("publish", publish));
        if (!outcome.created()) {
            // Idempotent, and said so: a duplicate is refused with 409, but nothing was or needs to be changed.
            return HttpResponse.status(HttpStatus.CONFLICT).body(new ApiError(409, "run '" + outcome.runId()
                    + "' is already imported with the same content (" + outcome.status() + "): nothing changed"));
        }
        return HttpResponse.created(outcome);
    }

    @Post("/runs/{runId}/publish")
    public HttpResponse<?> publish(@PathVariable String runId) {
        return admin.publish(runId) ? HttpResponse.ok(new ApiMessage(200, "published " + runId))
                : HttpResponse.notFound(new ApiError(404, "no run '" + runId + "'"));
    }

    @Delete("/runs/{runId}")
    public HttpResponse<?> delete(@PathVariable String runId) {
        return admin.delete(runId) ? HttpResponse.ok(new ApiMessage(200, "deleted " + runId))
                : HttpResponse.notFound(new ApiError(404, "no run '" + runId + "'"));
    }

    /** Marks one parameter setting (fingerprint, see the defense page) as the defense's official one. */
    @Put("/defenses/{defense}/official")
    public HttpResponse<?> markOfficial(@PathVariable String defense, @QueryValue String setting) {
        try {
            officials.mark(defense, setting);
        } catch (IllegalArgumentException e) {
            return HttpResponse.notFound(new ApiError(404, e.getMessage()));
        }
        return HttpResponse.ok(new ApiMessage(200, "setting " + setting + " is now the official setting of " + defense));
    }

    @Delete("/defenses/{defense}/official")
    public HttpResponse<?> clearOfficial(@PathVariable String defense) {
        return officials.clear(defense) ? HttpResponse.ok(new ApiMessage(200, defense + " has no official setting now"))
                : HttpResponse.notFound(new ApiError(404, "'" + defense + "' has no official setting"));
    }

    @Error(exception = ImportException.class)
    public HttpResponse<ApiError> rejected(HttpRequest<?> request, ImportException e) {
        return HttpResponse.<ApiError>status(HttpStatus.valueOf(e.reason().httpStatus))
                .body(new ApiError(e.reason().httpStatus, e.getMessage()));
    }
}
