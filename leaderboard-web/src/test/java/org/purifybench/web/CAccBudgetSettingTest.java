package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.purifybench.web.board.BoardSettings;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.importing.ResultsImporter;

/** A deployment sets its own C-Acc budget and featured track; a bad value stops the start with the fix. */
@MicronautTest(transactional = false)
@Property(name = "purifybench.board.c-acc-budget", value = "0.7")
@Property(name = "purifybench.board.featured-track", value = "zzz/m/0.1")
class CAccBudgetSettingTest {

    @Inject ResultsImporter importer;
    @Inject LeaderboardService board;
    @Inject DbState db;

    @Test
    void aWiderBudgetKeepsALossyDefenseInTheMainRankingAndTheConfiguredTrackIsHome() {
        db.clear();
        importer.importDocument(ResultsDocuments.run("r").result("none", "badnet", 0, 0.90, 0.99, 0.99)
                .result("lossy", "badnet", 0, 0.24, 0.00, 0.00).result("good", "badnet", 0, 0.85, 0.02, 0.10).bytes(), true);
        importer.importDocument(ResultsDocuments.run("z").profile("quick").track("zzz", "m", 0.1)
                .result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        Leaderboard lb = board.leaderboard(LeaderboardServiceTest.TRACK, List.of(), null, "rank", "asc");
        assertFalse(LeaderboardServiceTest.only(lb, "lossy").belowCAccBudget());
        assertEquals(1, LeaderboardServiceTest.only(lb, "lossy").rank());
        assertEquals("70", lb.cAccBudgetPoints());
        assertEquals("zzz", board.featuredTrack().orElseThrow().dataset());
    }

    @Test
    void outOfRangeBudgetsAndMalformedTracksAreRefusedWithTheFix() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BoardSettings(10, ""))
                .getMessage().contains("fraction in [0, 1]"));
        assertThrows(IllegalArgumentException.class, () -> new BoardSettings(Double.NaN, ""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BoardSettings(0.1, "cifar-10"))
                .getMessage().contains("dataset/model/rate"));
        assertEquals("2.5", BoardSettings.points(0.025));
    }
}
