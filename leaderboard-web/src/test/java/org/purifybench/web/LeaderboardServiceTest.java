package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.board.BadQueryException;
import org.purifybench.web.board.Estimate;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.Standing;
import org.purifybench.web.board.Track;
import org.purifybench.web.importing.ResultsImporter;
import org.purifybench.web.importing.RunAdministration;

/** Ranking rules and the arithmetic of means and spreads, on documents with known numbers. */
@MicronautTest(transactional = false)
class LeaderboardServiceTest {

    static final Track TRACK = new Track("fashion-mnist", "cnn-small", 0.05);

    @Inject ResultsImporter importer;
    @Inject RunAdministration admin;
    @Inject LeaderboardService board;
    @Inject DbState db;

    @BeforeEach
    void empty() {
        db.clear();
    }

    @Test
    void meansOverAttacksThenSeedsWithSampleSpread() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("pam", "badnet", 0, 0.80, 0.02, 0.10).result("pam", "blended", 0, 0.82, 0.04, 0.30)
                .result("pam", "badnet", 1, 0.84, 0.06, 0.20).result("pam", "blended", 1, 0.86, 0.08, 0.40).bytes(), true);
        Standing pam = only(board.leaderboard(TRACK, List.of(), null, "rank", "asc"), "pam");
        Estimate p = pam.metric("p-asr");
        // seed 0: (0.10+0.30)/2 = 0.20, seed 1: (0.20+0.40)/2 = 0.30 -> mean 0.25, sample sd sqrt(0.005) = 0.0707
        assertEquals(0.25, p.mean(), 1e-12);
        assertEquals(Math.sqrt(0.005), p.spread(), 1e-12);
        assertEquals(2, p.seeds());
        assertEquals("25.0", p.percent());
        assertEquals("± 7.1", p.spreadPercent());
        assertEquals(0.83, pam.metric("c-acc").mean(), 1e-12);
        assertEquals(1, pam.rank());
    }

    @Test
    void ranksByPAsrOrdersTiesByOAsrThenCAccAndNeverRanksOraclesOrReferences() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("a", "badnet", 0, 0.80, 0.10, 0.05)
                .result("b", "badnet", 0, 0.80, 0.05, 0.05)   // ties a on P-ASR, lower O-ASR -> above a
                .result("c", "badnet", 0, 0.90, 0.05, 0.05)   // ties b on P-ASR and O-ASR, higher C-Acc -> above b
                .result("d", "badnet", 0, 0.99, 0.00, 0.50)
                .result("ep", "badnet", 0, 0.85, 0.00, 0.00)   // better than all, but an oracle
                .result("clean", "badnet", 0, 0.90, 0.01, 0.01)
                .result("none", "badnet", 0, 0.90, 0.99, 0.99).bytes(), true);
        Leaderboard lb = board.leaderboard(TRACK, List.of(), null, "rank", "asc");
        assertEquals(List.of("c", "b", "a", "d", "ep", "clean", "none"), names(lb));
        // Equal P-ASR: a shared rank range; O-ASR and C-Acc only order the rows inside it.
        for (String tied : List.of("a", "b", "c")) {
            assertEquals(1, only(lb, tied).rank());
            assertEquals("1–3", only(lb, tied).rankLabel());
        }
        assertEquals(4, only(lb, "d").rank());
        assertEquals("4", only(lb, "d").rankLabel());
        assertNull(only(lb, "ep").rank());
        assertEquals(Standing.Role.ORACLE, only(lb, "ep").role());
        assertNull(only(lb, "none").rank());
        assertTrue(only(lb, "clean").note().contains("reference"));
    }

    @Test
    void aDefenseMissingAnAttackOnEverySeedIsShownButNotRanked() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("full", "badnet", 0, 0.8, 0.1, 0.2).result("full", "blended", 0, 0.8, 0.1, 0.2)
                .result("half", "badnet", 0, 0.8, 0.0, 0.0).bytes(), true);
        Leaderboard lb = board.leaderboard(TRACK, List.of(), null, "rank", "asc");
        assertEquals(1, only(lb, "full").rank());
        assertNull(only(lb, "half").rank());
        assertTrue(only(lb, "half").note().startsWith("not ranked"), only(lb, "half").note());
        // Restricted to badnet, both are complete and "half" wins.
        Leaderboard badnet = board.leaderboard(TRACK, List.of("badnet"), null, "rank", "asc");
        assertEquals(List.of("half", "full"), names(badnet));
        assertEquals(1, only(badnet, "half").rank());
    }

    @Test
    void pendingRunsAreInvisibleUntilPublishedAndDeletedRunsDisappear() {
        importer.importDocument(ResultsDocuments.run("r").result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), false);
        assertTrue(board.tracks().isEmpty());
        admin.publish("r");
        assertEquals(List.of(TRACK), board.tracks());
        assertEquals(List.of("x"), names(board.leaderboard(TRACK, List.of(), null, "rank", "asc")));
        admin.delete("r");
        assertTrue(board.tracks().isEmpty());
        assertEquals(0L, db.counts().get("result_rows"));
    }

    @Test
    void computedBoardsAreCachedUntilThePublishedDataChanges() {
        importer.importDocument(ResultsDocuments.run("r1").result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        Leaderboard first = board.leaderboard(TRACK, List.of(), null, "rank", "asc");
        assertSame(first, board.leaderboard(TRACK, List.of(), null, "rank", "asc"), "served from the cache");
        importer.importDocument(ResultsDocuments.run("r2").result("y", "badnet", 0, 0.8, 0.1, 0.1).bytes(), false);
        Leaderboard afterPending = board.leaderboard(TRACK, List.of(), null, "rank", "asc");
        assertEquals(List.of("x"), names(afterPending), "a pending run changes nothing visible");
        admin.publish("r2");
        assertEquals(List.of("y", "x"), names(board.leaderboard(TRACK, List.of(), null, "rank", "asc")));
        admin.delete("r2");
        assertEquals(List.of("x"), names(board.leaderboard(TRACK, List.of(), null, "rank", "asc")));
    }

    @Test
    void profilesAreMergedByDefaultAndSelectable() {
        importer.importDocument(ResultsDocuments.run("q").profile("quick").result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        importer.importDocument(ResultsDocuments.run("s").profile("standard").result("x", "badnet", 0, 0.8, 0.1, 0.4).bytes(), true);
        assertEquals(0.3, only(board.leaderboard(TRACK, List.of(), null, "rank", "asc"), "x").metric("p-asr").mean(), 1e-12);
        Leaderboard standard = board.leaderboard(TRACK, List.of(), "standard", "rank", "asc");
        assertEquals(0.4, only(standard, "x").metric("p-asr").mean(), 1e-12);
        assertEquals(List.of("quick", "standard"), standard.profiles());
        assertThrows(BadQueryException.class, () -> board.leaderboard(TRACK, List.of(), "paper", "rank", "asc"));
    }

    @Test
    void sortsByAnyColumnWithMissingNumbersLast() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("a", "badnet", 0, 0.70, 0.1, 0.3).value("a", "badnet", 0, "qra-p-asr", 0.5)
                .result("b", "badnet", 0, 0.90, 0.1, 0.1)
                .result("c", "badnet", 0, 0.80, 0.1, 0.2).value("c", "badnet", 0, "qra-p-asr", 0.1).bytes(), true);
        assertEquals(List.of("b", "c", "a"), names(board.leaderboard(TRACK, List.of(), null, "c-acc", "desc")));
        assertEquals(List.of("a", "c", "b"), names(board.leaderboard(TRACK, List.of(), null, "c-acc", "asc")));
        assertEquals(List.of("c", "a", "b"), names(board.leaderboard(TRACK, List.of(), null, "qra-p-asr", "asc")));
        assertEquals(List.of("a", "c", "b"), names(board.leaderboard(TRACK, List.of(), null, "qra-p-asr", "desc")));
        assertEquals(List.of("c", "b", "a"), names(board.leaderboard(TRACK, List.of(), null, "defense", "desc")));
    }

    @Test
    void unknownQueryValuesAreRefusedByName() {
        importer.importDocument(ResultsDocuments.run("r").result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        assertTrue(assertThrows(BadQueryException.class, () -> board.leaderboard(TRACK, List.of(), null, "speed", "asc"))
                .getMessage().contains("p-asr"));
        assertTrue(assertThrows(BadQueryException.class, () -> board.leaderboard(TRACK, List.of(), null, "rank", "up"))
                .getMessage().contains("asc or desc"));
        assertTrue(assertThrows(BadQueryException.class, () -> board.leaderboard(TRACK, List.of("wanet"), null, "rank", "asc"))
                .getMessage().contains("badnet"));
    }

    static List<String> names(Leaderboard lb) {
        return lb.standings().stream().map(Standing::defense).toList();
    }

    static Standing only(Leaderboard lb, String defense) {
        return lb.standings().stream().filter(s -> s.defense().equals(defense)).findFirst().orElseThrow();
    }
}
