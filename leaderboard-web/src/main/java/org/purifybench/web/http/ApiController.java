package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;
import org.purifybench.web.board.DefenseDetail;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.RunDetail;
import org.purifybench.web.board.RunService;
import org.purifybench.web.board.RunSummary;
import org.purifybench.web.board.Track;

/** The same data as the pages, as JSON (same parameters, same numbers). Fractions, not percentages. */
// JDBC blocks: keep it off the Netty event loop.
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api")
@Secured(SecurityRule.IS_ANONYMOUS)
public class ApiController {

    private final LeaderboardService board;
    private final DefenseService defenses;
    private final RunService runs;
    private final TrackResolver tracks;

    ApiController(LeaderboardService board, DefenseService defenses, RunService runs, TrackResolver tracks) {
        this.board = board;
        this.defenses = defenses;
        this.runs = runs;
        this.tracks = tracks;
    }

    @Get("/tracks")
    public List<Track> tracks() {
        return board.tracks();
    }

    @Get("/leaderboard")
    public Leaderboard leaderboard(@Nullable @QueryValue String dataset, @Nullable @QueryValue String model,
                                   @Nullable @QueryValue String rate, @Nullable @QueryValue List<String> attack,
                                   @Nullable @QueryValue String profile, @Nullable @QueryValue String sort,
                                   @Nullable @QueryValue String dir) {
        Track track = tracks.resolve(dataset, model, rate)
                .orElseThrow(() -> new TrackResolver.NotFoundException("nothing is published yet"));
        return board.leaderboard(track, attack == null ? List.of() : attack, PageController.blankToNull(profile),
                sort == null ? "rank" : sort, dir == null ? "asc" : dir);
    }

    @Get("/defenses/{defense}")
    public DefenseDetail defense(@PathVariable String defense, @Nullable @QueryValue String dataset,
                                 @Nullable @QueryValue String model, @Nullable @QueryValue String rate,
                                 @Nullable @QueryValue String profile, @Nullable @QueryValue String setting) {
        Track track = tracks.resolve(dataset, model, rate)
                .orElseThrow(() -> new TrackResolver.NotFoundException("nothing is published yet"));
        return defenses.detail(track, defense, PageController.blankToNull(profile), PageController.blankToNull(setting)).orElseThrow(() -> new TrackResolver.NotFoundException(
                "defense '" + defense + "' has no published results in track " + track.label()));
    }

    @Get("/runs")
    public List<RunSummary> runs() {
        return runs.published();
    }

    @Get("/runs/{runId}")
    public RunDetail run(@PathVariable String runId) {
        return runs.detail(runId, false).orElseThrow(() -> new TrackResolver.NotFoundException("no published run '" + runId + "'"));
    }
}
