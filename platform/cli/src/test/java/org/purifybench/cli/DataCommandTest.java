package org.purifybench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.cli.PluginJarsCliTest.Result;
import org.purifybench.core.data.DataDir;

/** {@code purifybench data list|add} and the global {@code --data-dir}; temp folders only, no network. */
class DataCommandTest {
    @TempDir
    Path dir;

    /** --data-dir sets a JVM-wide property: leave none behind for the other tests in this JVM. */
    @AfterEach
    void clearProperty() {
        System.clearProperty(DataDir.PROPERTY);
    }

    @Test
    void listShowsEachDatasetWhereItIsLookedForAndHowToAddIt() {
        Result r = PluginJarsCliTest.run("--data-dir", dir.toString(), "data", "list");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("data dir: " + dir.toAbsolutePath()), r.out());
        for (String id : new String[] {"cifar10", "cifar100", "tiny-imagenet", "gtsrb"}) {
            assertTrue(r.out().contains(dir.toAbsolutePath().resolve(id).toString()), id + " in:\n" + r.out());
            assertTrue(r.out().contains("purifybench data add " + id + " http"), id + " in:\n" + r.out());
        }
    }

    @Test
    void theDataDirOptionWorksAfterTheSubcommandToo() throws Exception {
        Files.createDirectories(dir.resolve("gtsrb"));
        Result r = PluginJarsCliTest.run("data", "list", "--data-dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("gtsrb") && l.contains("present")), r.out());
        assertTrue(r.out().contains("UNVERIFIED"), r.out());
    }

    @Test
    void addRefusesAnArchiveWhoseChecksumIsNotPublished() throws Exception {
        Path fake = dir.resolve("cifar-10-binary.tar.gz");
        Files.write(fake, new byte[] {0x1f, (byte) 0x8b, 8, 0});
        Result r = PluginJarsCliTest.run("--data-dir", dir.resolve("data").toString(), "data", "add", "cifar10", fake.toString());
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("error: checksum mismatch") && lines[0].contains("c32a1d4ab5d03f1284b67883e8d87530"), lines[0]);
        assertFalse(Files.exists(dir.resolve("data").resolve("cifar10")));
    }

    @Test
    void addOfAnUnknownDatasetListsTheKnownOnes() {
        Result r = PluginJarsCliTest.run("--data-dir", dir.toString(), "data", "add", "imagenet", "x.tar.gz");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no dataset 'imagenet'") && r.err().contains("tiny-imagenet"), r.err());
    }
}
