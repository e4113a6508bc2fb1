package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.io.IOException;
import java.util.Map;
import org.purifybench.web.board.BadQueryException;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.Track;

/** Server-rendered SVG charts (no CDN, no script). */
@Controller("/charts")
@Secured(SecurityRule.IS_ANONYMOUS)
public class ChartController {

    private final DefenseService defenses;
    private final TrackResolver tracks;
    private final LmcChart chart;

    ChartController(DefenseService defenses, TrackResolver tracks, LmcChart chart) {
        this.defenses = defenses;
        this.tracks = tracks;
        this.chart = chart;
    }

    @Get("/lmc/{defense}.svg")
    public HttpResponse<byte[]> lmc(@PathVariable String defense, @Nullable @QueryValue String dataset,
                                    @Nullable @QueryValue String model, @Nullable @QueryValue String rate,
                                    @Nullable @QueryValue String profile, @Nullable @QueryValue String path) throws IOException {
        LmcChart.Path which;
        if (path == null || path.equals("backdoored")) {
            which = LmcChart.Path.BACKDOORED;
        } else if (path.equals("ep")) {
            which = LmcChart.Path.EP;
        } else {
            throw new BadQueryException("unknown path '" + path + "' - use backdoored or ep");
        }
        Track track = tracks.resolve(dataset, model, rate)
                .orElseThrow(() -> new TrackResolver.NotFoundException("nothing is published yet"));
        Map<String, double[][]> curves = defenses.lmcCurves(track, defense, PageController.blankToNull(profile));
        curves.keySet().removeIf(name -> !which.contains(name.substring(name.indexOf(' ') + 1)));
        if (curves.isEmpty()) {
            throw new TrackResolver.NotFoundException("no LMC curves for '" + defense + "' in " + track.label());
        }
        return HttpResponse.ok(chart.svg(defense, which, curves)).contentType("image/svg+xml");
    }

    @Error(exception = BadQueryException.class)
    public HttpResponse<String> badQuery(HttpRequest<?> request, BadQueryException e) {
        return HttpResponse.<String>badRequest(e.getMessage()).contentType("text/plain");
    }

    @Error(exception = TrackResolver.NotFoundException.class)
    public HttpResponse<String> notFound(HttpRequest<?> request, TrackResolver.NotFoundException e) {
        return HttpResponse.<String>notFound(e.getMessage()).contentType("text/plain");
    }
}
