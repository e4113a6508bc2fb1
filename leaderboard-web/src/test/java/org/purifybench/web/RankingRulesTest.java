package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.board.DefenseDetail;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.Standing;
import org.purifybench.web.board.Track;
import org.purifybench.web.importing.OfficialSettings;
import org.purifybench.web.importing.ResultsImporter;

/** The ranking's rules: the C-Acc guard, shared ranks by uncertainty, seed counts, parameter settings, the home track. */
@MicronautTest(transactional = false)
class RankingRulesTest {

    static final Track TRACK = LeaderboardServiceTest.TRACK;

    @Inject ResultsImporter importer;
    @Inject LeaderboardService board;
    @Inject DefenseService defenses;
    @Inject OfficialSettings officials;
    @Inject DbState db;

    @BeforeEach
    void empty() {
        db.clear();
    }

    private Leaderboard lb() {
        return board.leaderboard(TRACK, List.of(), null, "rank", "asc");
    }

    @Test
    void aDefenseThatDestroysTheModelIsFlaggedAndRankedAfterEveryDefenseWithinTheBudget() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("none", "badnet", 0, 0.90, 0.99, 0.99)
                .result("destroyer", "badnet", 0, 0.24, 0.00, 0.00)   // best P-ASR, C-Acc 66 points down
                .result("good", "badnet", 0, 0.85, 0.02, 0.10)
                .result("edge", "badnet", 0, 0.80, 0.02, 0.30)        // exactly 10 points down: within
                .bytes(), true);
        Leaderboard lb = lb();
        assertEquals(List.of("good", "edge", "destroyer", "none"), LeaderboardServiceTest.names(lb));
        Standing destroyer = LeaderboardServiceTest.only(lb, "destroyer");
        assertTrue(destroyer.belowCAccBudget());
        assertEquals(3, destroyer.rank());
        assertTrue(destroyer.note().contains("C-Acc more than 10 points below"), destroyer.note());
        assertFalse(LeaderboardServiceTest.only(lb, "edge").belowCAccBudget());
        assertEquals(0.90, lb.referenceCAcc(), 1e-12);
        assertEquals("80.0", lb.cAccFloorPercent());
    }

    @Test
    void withoutTheBackdooredModelTheGuardIsOffAndSaysSo() {
        importer.importDocument(ResultsDocuments.run("r")
                .result("destroyer", "badnet", 0, 0.24, 0.00, 0.00).result("good", "badnet", 0, 0.85, 0.02, 0.10).bytes(), true);
        Leaderboard lb = lb();
        assertNull(lb.referenceCAcc());
        assertEquals(1, LeaderboardServiceTest.only(lb, "destroyer").rank());
        assertFalse(LeaderboardServiceTest.only(lb, "destroyer").belowCAccBudget());
    }

    @Test
    void overlappingPAsrIntervalsShareARankRangeAndSeparatedOnesDoNot() {
        ResultsDocuments d = ResultsDocuments.run("r");
        // a: 2.9 +- 4.2, b: 3.7 +- 4.6 (the example) overlap; c: 50 +- 1.4 is clearly worse.
        double[] a = {0.0, 0.058};
        double[] b = {0.0045, 0.0695};
        double[] c = {0.49, 0.51};
        for (int s = 0; s < 2; s++) {
            d.result("a", "badnet", s, 0.85, 0.01, a[s]).result("b", "badnet", s, 0.85, 0.01, b[s])
                    .result("c", "badnet", s, 0.85, 0.01, c[s]);
        }
        importer.importDocument(d.bytes(), true);
        Leaderboard lb = lb();
        assertEquals(List.of("a", "b", "c"), LeaderboardServiceTest.names(lb));
        assertEquals("1–2", LeaderboardServiceTest.only(lb, "a").rankLabel());
        assertEquals("1–2", LeaderboardServiceTest.only(lb, "b").rankLabel());
        assertEquals(1, LeaderboardServiceTest.only(lb, "b").rank());
        assertEquals("3", LeaderboardServiceTest.only(lb, "c").rankLabel());
    }

    @Test
    void anEntryOnFewerSeedsThanTheTracksMostMeasuredIsMarked() {
        ResultsDocuments d = ResultsDocuments.run("r");
        for (int s = 0; s < 3; s++) {
            d.result("full", "badnet", s, 0.85, 0.01, 0.10 + 0.01 * s);
        }
        d.result("once", "badnet", 0, 0.85, 0.01, 0.05);
        importer.importDocument(d.bytes(), true);
        Leaderboard lb = lb();
        assertEquals(3, lb.standardSeeds());
        Standing once = LeaderboardServiceTest.only(lb, "once");
        assertTrue(once.fewerSeeds());
        assertTrue(once.note().contains("1 seed(s), fewer than this track's 3"), once.note());
        assertFalse(LeaderboardServiceTest.only(lb, "full").fewerSeeds());
    }

    @Test
    void settingsOfOneDefenseAreSeparateEntriesUntilAnAdminMarksOneOfficial() {
        importer.importDocument(ResultsDocuments.run("r1").params("ft", Map.of("lr", 0.01)).params("none", Map.of())
                .result("none", "badnet", 0, 0.85, 0.99, 0.99).result("ft", "badnet", 0, 0.84, 0.05, 0.60).bytes(), true);
        importer.importDocument(ResultsDocuments.run("r2").params("ft", Map.of("lr", 0.05)).params("none", Map.of())
                .result("none", "badnet", 0, 0.85, 0.99, 0.99).result("ft", "badnet", 0, 0.80, 0.02, 0.20).bytes(), true);
        // The same parameters in a third run join the first entry instead of making another.
        importer.importDocument(ResultsDocuments.run("r3").params("ft", Map.of("lr", 0.01)).params("none", Map.of())
                .result("none", "badnet", 1, 0.85, 0.99, 0.99).result("ft", "badnet", 1, 0.84, 0.05, 0.62).bytes(), true);
        Leaderboard lb = lb();
        List<Standing> ft = lb.standings().stream().filter(s -> s.defense().equals("ft")).toList();
        assertEquals(2, ft.size(), "two settings, two entries");
        assertNotEquals(ft.get(0).setting(), ft.get(1).setting());
        assertTrue(ft.stream().allMatch(s -> s.name().startsWith("ft [") && s.rank() != null), ft.toString());
        Standing slow = ft.stream().filter(s -> s.params().equals(Map.of("lr", 0.01))).findFirst().orElseThrow();
        assertEquals(2, slow.metric("p-asr").seeds(), "r1 and r3 share the setting");
        assertEquals("none", LeaderboardServiceTest.only(lb, "none").name(), "one setting: the plain name");

        officials.mark("ft", slow.setting());
        Leaderboard marked = lb();
        Standing official = marked.standings().stream().filter(s -> s.name().equals("ft")).findFirst().orElseThrow();
        assertEquals(slow.setting(), official.setting());
        assertEquals(1, official.rank());
        Standing variant = marked.standings().stream().filter(s -> s.defense().equals("ft") && s != official).findFirst().orElseThrow();
        assertNull(variant.rank(), "a variant of the official setting is not ranked");
        assertTrue(variant.note().contains("official setting of this defense is [" + slow.setting() + "]"), variant.note());

        DefenseDetail page = defenses.detail(TRACK, "ft", null, null).orElseThrow();
        assertEquals(slow.setting(), page.setting(), "the defense page opens on the official setting");
        assertEquals(2, page.settings().size());
        assertEquals(List.of("r1", "r3"), page.settings().stream().filter(DefenseDetail.SettingView::official)
                .findFirst().orElseThrow().runs());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> officials.mark("ft", "0000000000"))
                .getMessage().contains(slow.setting()));
        assertTrue(officials.clear("ft"));
        assertTrue(lb().standings().stream().filter(s -> s.defense().equals("ft")).allMatch(s -> s.rank() != null));
    }

    @Test
    void rowsNamedByLabelWhenAMatrixRepeatsAnIdGetTheirOwnSettings() {
        String auto = "pam{epochs=5}";
        String rho0 = "pam{epochs=5, rho=0}";
        importer.importDocument(ResultsDocuments.run("r").params(auto, Map.of("epochs", 5)).params(rho0, Map.of("epochs", 5, "rho", 0))
                .result(auto, "badnet", 0, 0.8, 0.01, 0.2).result(rho0, "badnet", 0, 0.8, 0.01, 0.4).bytes(), true);
        Leaderboard lb = lb();
        assertEquals(Map.of("epochs", 5, "rho", 0), LeaderboardServiceTest.only(lb, rho0).params());
        assertNotEquals(LeaderboardServiceTest.only(lb, auto).setting(), LeaderboardServiceTest.only(lb, rho0).setting());
    }

    @Test
    void theDefensePageShowsTheDescriptionPaperAndVersionTheRunsRecorded() {
        importer.importDocument(ResultsDocuments.run("r").describe("pam", "Path-Aware Minimization", "Min et al., NeurIPS 2024")
                .result("pam", "badnet", 0, 0.8, 0.01, 0.02).bytes(), true);
        DefenseDetail d = defenses.detail(TRACK, "pam", null, null).orElseThrow();
        assertEquals("Path-Aware Minimization", d.description());
        assertEquals("Min et al., NeurIPS 2024", d.paper());
        assertEquals(List.of("1.0.0"), d.versions());
    }

    @Test
    void theHomeTrackIsTheOneWithTheMostStandardRunsNotTheAlphabeticalFirst() {
        importer.importDocument(ResultsDocuments.run("junk").profile("quick").track("aaa-junk", "m", 0.05)
                .result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        importer.importDocument(ResultsDocuments.run("junk2").profile("quick").track("aaa-junk", "m", 0.05)
                .result("x", "badnet", 1, 0.8, 0.1, 0.2).bytes(), true);
        importer.importDocument(ResultsDocuments.run("std").profile("standard")
                .result("x", "badnet", 0, 0.8, 0.1, 0.2).bytes(), true);
        assertEquals("aaa-junk", board.tracks().get(0).dataset(), "the alphabetical first is the junk track");
        assertEquals(TRACK, board.featuredTrack().orElseThrow());
    }
}
