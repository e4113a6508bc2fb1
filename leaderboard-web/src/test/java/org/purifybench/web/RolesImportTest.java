package org.purifybench.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.purifybench.web.board.DefenseService;
import org.purifybench.web.board.LeaderboardService;
import org.purifybench.web.board.Leaderboard;
import org.purifybench.web.board.Standing;
import org.purifybench.web.importing.ResultsImporter;

/** The board reads the roles a document records: baselines and the oracle under other ids; old documents by their ids. */
@MicronautTest(transactional = false)
class RolesImportTest {
    static final org.purifybench.web.board.Track TRACK = LeaderboardServiceTest.TRACK;

    @Inject ResultsImporter importer;
    @Inject LeaderboardService board;
    @Inject DbState db;

    @BeforeEach
    void empty() {
        db.clear();
    }

    private Leaderboard lb() {
        return board.leaderboard(TRACK, List.of(), null, "rank", "asc");
    }

    @Test
    void baselinesAndTheOracleUnderOtherIdsAreShownAsTheBuiltInsAre() {
        importer.importDocument(ResultsDocuments.run("renamed")
                .result("backdoored-row", "badnet", 0, 0.90, 0.99, 0.99).role("backdoored-row", "BACKDOORED_BASELINE")
                .result("control", "badnet", 0, 0.91, 0.01, 0.01).role("control", "CLEAN_BASELINE")
                .result("my-oracle", "badnet", 0, 0.85, 0.00, 0.00).role("my-oracle", "ORACLE")
                .result("destroyer", "badnet", 0, 0.24, 0.00, 0.00).role("destroyer", "PURIFIER")
                .result("good", "badnet", 0, 0.85, 0.02, 0.10).role("good", "PURIFIER")
                .bytes(), true);
        Leaderboard lb = lb();
        assertEquals(0.90, lb.referenceCAcc(), 1e-12, "the C-Acc guard compares with the backdoored baseline, found by role");
        assertTrue(LeaderboardServiceTest.only(lb, "destroyer").belowCAccBudget());
        assertEquals(1, LeaderboardServiceTest.only(lb, "good").rank());
        Standing oracle = LeaderboardServiceTest.only(lb, "my-oracle");
        assertEquals(Standing.Role.ORACLE, oracle.role());
        assertNull(oracle.rank(), "an oracle is never ranked, whatever its id");
        for (String baseline : List.of("backdoored-row", "control")) {
            assertEquals(Standing.Role.REFERENCE, LeaderboardServiceTest.only(lb, baseline).role());
            assertNull(LeaderboardServiceTest.only(lb, baseline).rank());
        }
    }

    @Test
    void aRecordedRoleWinsOverTheIdsOldDocumentsImplied() {
        importer.importDocument(ResultsDocuments.run("purifier-called-none")
                .result("none", "badnet", 0, 0.80, 0.02, 0.10).role("none", "PURIFIER")
                .result("base", "badnet", 0, 0.90, 0.99, 0.99).role("base", "BACKDOORED_BASELINE")
                .bytes(), true);
        Leaderboard lb = lb();
        assertEquals(Standing.Role.DEFENSE, LeaderboardServiceTest.only(lb, "none").role());
        assertEquals(1, LeaderboardServiceTest.only(lb, "none").rank());
        assertEquals(0.90, lb.referenceCAcc(), 1e-12);
    }

    @Test
    void anOldDocumentWithoutRolesImportsAndItsBuiltInIdsKeepTheirRoles() {
        byte[] old = ResultsDocuments.run("old")
                .result("none", "badnet", 0, 0.90, 0.99, 0.99).result("clean", "badnet", 0, 0.91, 0.01, 0.01)
                .result("ep", "badnet", 0, 0.85, 0.00, 0.00).result("good", "badnet", 0, 0.85, 0.02, 0.10).bytes();
        assertFalse(new String(old, java.nio.charset.StandardCharsets.UTF_8).contains("\"role\""), "a document of before roles");
        assertNotNull(importer.importDocument(old, true));
        Leaderboard lb = lb();
        assertEquals(0.90, lb.referenceCAcc(), 1e-12);
        assertEquals(Standing.Role.ORACLE, LeaderboardServiceTest.only(lb, "ep").role());
        assertEquals(Standing.Role.REFERENCE, LeaderboardServiceTest.only(lb, "clean").role());
        assertEquals(Standing.Role.REFERENCE, LeaderboardServiceTest.only(lb, "none").role());
        assertEquals(1, LeaderboardServiceTest.only(lb, "good").rank());
    }

    @Test
    void theLmcPathToTheOracleIsRecognisedWhateverTheOraclesId() {
        assertFalse(DefenseService.isOraclePath("backdoor-error"));
        assertFalse(DefenseService.isOraclePath("clean-error"));
        assertTrue(DefenseService.isOraclePath("ep-backdoor-error"));
        assertTrue(DefenseService.isOraclePath("my-oracle-clean-error"));
    }
}
