package org.purifybench.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.core.results.Curve;
import org.purifybench.core.results.ResultRow;

class JournalTest {
    private static Journal.Entry entry(String unit, double v) {
        return new Journal.Entry(unit, List.of(new ResultRow("c", "d", "m", "a", 0.05, 1, "ft", "ra", "p-asr", v)),
                List.of(new Curve("c", "ft", "lmc", "err", null, new double[] {0.1, 0.2})));
    }

    @Test
    void roundTripsAndDropsATornLastLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("journal.jsonl");
        Journal j = new Journal(f, () -> { });
        j.record(entry("u1", 0.5));
        j.record(entry("u2", 0.25));
        Files.writeString(f, "{\"unit\":\"u3\",\"ro", StandardOpenOption.APPEND);
        AtomicInteger torn = new AtomicInteger();
        Journal back = new Journal(f, torn::incrementAndGet);
        assertEquals(1, torn.get());
        assertTrue(back.isDone("u1") && back.isDone("u2"));
        assertFalse(back.isDone("u3"));
        assertEquals(0.25, back.entries().get(1).rows().get(0).value());
        back.record(entry("u3", 0.75));
        assertEquals(3, new Journal(f, () -> { throw new AssertionError("no torn line after the rewrite"); }).size());
    }

    @Test
    void damageBeforeTheLastLineIsAUserError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("journal.jsonl");
        Journal j = new Journal(f, () -> { });
        j.record(entry("u1", 0.5));
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(f));
        lines.add(0, "garbage");
        Files.write(f, lines);
        UserException e = assertThrows(UserException.class, () -> new Journal(f, () -> { }));
        assertTrue(e.fix().contains("--fresh"), e.oneLine());
    }

    @Test
    void eachTaskAppendsToItsOwnShardAndEveryJournalOfTheRunReadsThemAll(@TempDir Path run) throws Exception {
        Journal local = Journal.of(run, null, () -> { });
        local.record(entry("u0", 0.0));
        Journal a = Journal.of(run, "evaluate-0", () -> { });
        Journal b = Journal.of(run, "evaluate-1", () -> { });
        a.record(entry("u1", 0.1));
        b.record(entry("u2", 0.2));
        assertEquals(List.of(run.resolve("journal.jsonl"), run.resolve("journal.d/evaluate-0.jsonl"), run.resolve("journal.d/evaluate-1.jsonl")), Journal.files(run));
        assertTrue(Files.readString(run.resolve("journal.d/evaluate-0.jsonl")).contains("\"u1\"")
                && !Files.readString(run.resolve("journal.d/evaluate-0.jsonl")).contains("\"u2\""), "a shard holds its own task's units only");
        Journal all = Journal.readOnly(run);
        assertEquals(3, all.size());
        assertTrue(all.isDone("u0") && all.isDone("u1") && all.isDone("u2"));
        assertThrows(IllegalStateException.class, () -> all.record(entry("u3", 0.3)));
    }

    @Test
    void anotherTasksTornShardIsSkippedNotRepaired(@TempDir Path run) throws Exception {
        Journal.of(run, "evaluate-0", () -> { }).record(entry("u1", 0.1));
        Path other = run.resolve("journal.d/evaluate-0.jsonl");
        Files.writeString(other, "{\"unit\":\"u9\",\"ro", StandardOpenOption.APPEND);
        String before = Files.readString(other);
        Journal mine = Journal.of(run, "evaluate-1", () -> { throw new AssertionError("not this journal's torn line"); });
        assertTrue(mine.isDone("u1"));
        assertFalse(mine.isDone("u9"), "the killed task's last unit is not done: its task redoes it");
        assertEquals(before, Files.readString(other), "only the shard's own task rewrites it");
        AtomicInteger torn = new AtomicInteger();
        Journal rerun = Journal.of(run, "evaluate-0", torn::incrementAndGet);
        assertEquals(1, torn.get());
        rerun.record(entry("u9", 0.9));
        assertTrue(Journal.readOnly(run).isDone("u9"));
    }

    @Test
    void eachEntryRecordsTheCodeThatComputedItAndOldEntriesCountAsUnknown(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("journal.jsonl");
        // a line as journals wrote it before code versions were recorded, and one from another commit
        Files.writeString(f, "{\"unit\":\"old\",\"rows\":[],\"curves\":[]}\n"
                + "{\"unit\":\"other\",\"rows\":[],\"curves\":[],\"codeVersion\":\"0.1.0-SNAPSHOT+0000000\"}\n");
        Journal j = new Journal(f, () -> { });
        j.record(entry("now", 0.5));
        Journal back = new Journal(f, () -> { });
        assertEquals(org.purifybench.core.fingerprint.CodeVersion.get(), back.entries().get(2).codeVersion());
        assertEquals(java.util.Map.of(Journal.UNKNOWN_VERSION, 1, "0.1.0-SNAPSHOT+0000000", 1, org.purifybench.core.fingerprint.CodeVersion.get(), 1),
                back.unitsByCodeVersion());
    }
}
