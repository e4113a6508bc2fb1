package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.io.IOException;
import java.util.Map;
import org.purifybench.web.board.BadQueryException;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.PageCache;
import org.purifybench.web.board.Track;

/** Server-rendered SVG charts (no CDN, no script). */
// JDBC blocks: keep it off the Netty event loop.
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/charts")
@Secured(SecurityRule.IS_ANONYMOUS)
public class ChartController {

    private final DefenseService defenses;
    private final TrackResolver tracks;
    private final LmcChart chart;
    private final PageCache cache;

    ChartController(DefenseService defenses, TrackResolver tracks, LmcChart chart, PageCache cache) {
        this.cache = cache;
        this.defenses = defenses;
        this.tracks = tracks;
        this.chart = chart;
    }

    @Get("/lmc/{defense}.svg")
    public HttpResponse<byte[]> lmc(@PathVariable String defense, @Nullable @QueryValue String dataset,
                                    @Nullable @QueryValue String model, @Nullable @QueryValue String rate,
                                    @Nullable @QueryValue String profile, @Nullable @QueryValue String path,
                                    @Nullable @QueryValue String setting) throws IOException {
        LmcChart.Path which;
        if (path == null || path.equals("backdoored")) {
            which = LmcChart.Path.BACKDOORED;
        } else if (path.equals("ep") || path.equals("oracle")) { // "ep": the pages' links; the path is the oracle's, whatever its id
            which = LmcChart.Path.EP;
        } else {
            throw new BadQueryException("unknown path '" + path + "' - use backdoored or oracle (or ep)");
        }
        Track track = tracks.resolve(dataset, model, rate)
                .orElseThrow(() -> new TrackResolver.NotFoundException("nothing is published yet"));
        String p = PageController.blankToNull(profile);
        String s = PageController.blankToNull(setting);
        byte[] svg = cache.get(java.util.List.of("lmc-svg", track, defense, String.valueOf(p), which, String.valueOf(s)), () -> {
            Map<String, double[][]> curves = defenses.lmcCurves(track, defense, p, s);
            curves.keySet().removeIf(name -> !which.contains(name.substring(name.indexOf(' ') + 1)));
            if (curves.isEmpty()) {
                throw new TrackResolver.NotFoundException("no LMC curves for '" + defense + "' in " + track.label());
            }
            try {
                return chart.svg(defense, which, curves);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return HttpResponse.ok(svg).contentType("image/svg+xml");
    }
}
