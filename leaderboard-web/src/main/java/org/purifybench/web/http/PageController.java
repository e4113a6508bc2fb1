package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.View;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.purifybench.web.board.DefenseDetail;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.Headline;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.RunService;
import org.purifybench.web.board.Track;

/** The public HTML pages. Everything works without JavaScript: sorting and filters are query parameters. */
// JDBC blocks: keep it off the Netty event loop.
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Produces(MediaType.TEXT_HTML)
public class PageController {

    private final LeaderboardService board;
    private final DefenseService defenses;
    private final RunService runs;
    private final TrackResolver tracks;
    private final org.purifybench.web.board.BoardSettings boardSettings;

    PageController(LeaderboardService board, DefenseService defenses, RunService runs, TrackResolver tracks,
                   org.purifybench.web.board.BoardSettings boardSettings) {
        this.boardSettings = boardSettings;
        this.board = board;
        this.defenses = defenses;
        this.runs = runs;
        this.tracks = tracks;
    }

    @Get("/")
    @View("leaderboard")
    public Map<String, Object> leaderboard(@Nullable @QueryValue String dataset, @Nullable @QueryValue String model,
                                           @Nullable @QueryValue String rate, @Nullable @QueryValue List<String> attack,
                                           @Nullable @QueryValue String profile, @Nullable @QueryValue String sort,
                                           @Nullable @QueryValue String dir) {
        Map<String, Object> m = new HashMap<>();
        m.put("tracks", board.tracks());
        m.put("headlines", Headline.values());
        Optional<Track> track = tracks.resolve(dataset, model, rate);
        if (track.isPresent()) {
            Leaderboard lb = board.leaderboard(track.get(), attack == null ? List.of() : attack, blankToNull(profile),
                    sort == null ? "rank" : sort, dir == null ? "asc" : dir);
            m.put("board", lb);
            m.put("links", new SortLinks(lb));
        }
        return m;
    }

    @Get("/defenses/{defense}")
    @View("defense")
    public Map<String, Object> defense(@PathVariable String defense, @Nullable @QueryValue String dataset,
                                       @Nullable @QueryValue String model, @Nullable @QueryValue String rate,
                                       @Nullable @QueryValue String profile, @Nullable @QueryValue String setting) {
        Track track = tracks.resolve(dataset, model, rate)
                .orElseThrow(() -> new TrackResolver.NotFoundException("nothing is published yet"));
        DefenseDetail detail = defenses.detail(track, defense, blankToNull(profile), blankToNull(setting))
                .orElseThrow(() -> new TrackResolver.NotFoundException("defense '" + defense + "' has no published results in track "
                        + track.label()));
        return Map.of("d", detail, "tracks", board.tracks());
    }

    /** The profile selector's "all" option sends an empty value. */
    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Get("/runs")
    @View("runs")
    public Map<String, Object> runs() {
        return Map.of("runs", runs.published());
    }

    @Get("/runs/{runId}")
    @View("run")
    public Map<String, Object> run(@PathVariable String runId) {
        return Map.of("r", runs.detail(runId, false)
                .orElseThrow(() -> new TrackResolver.NotFoundException("no published run '" + runId + "'")));
    }

    @Get("/about")
    @View("about")
    public Map<String, Object> about() {
        return Map.of("headlines", Headline.values(), "budgetPoints",
                org.purifybench.web.board.BoardSettings.points(boardSettings.cAccBudget()));
    }
}
