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
}
