package org.purifybench.web.http;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import org.purifybench.web.board.BadQueryException;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.Track;

/** Reads the track from the query (dataset, model, rate); no parameters = the featured track (LeaderboardService). */
@Singleton
class TrackResolver {

    private final LeaderboardService board;

    TrackResolver(LeaderboardService board) {
        this.board = board;
    }

    /** Empty only when nothing is published yet and no track was asked for. */
    Optional<Track> resolve(@Nullable String dataset, @Nullable String model, @Nullable String rate) {
        List<Track> tracks = board.tracks();
        if (dataset == null && model == null && rate == null) {
            return board.featuredTrack();
        }
        if (dataset == null || model == null || rate == null) {
            throw new BadQueryException("a track needs all of dataset, model and rate, e.g. "
                    + "?dataset=fashion-mnist&model=cnn-small&rate=0.05");
        }
        Track wanted = new Track(dataset, model, QueryParams.rate(rate));
        if (!tracks.contains(wanted)) {
            throw new NotFoundException("no published results for track " + wanted.label());
        }
        return Optional.of(wanted);
    }

    /** 404 with a message. */
    static final class NotFoundException extends RuntimeException {
        NotFoundException(String message) {
            super(message);
        }
    }
}
