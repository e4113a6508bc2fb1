package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;
import org.purifybench.spi.ImageShape;

/** A CIFAR-10-format stand-in is read back by the CIFAR-10 loader as the synthetic images it was made from. */
class StandInDataTest {
    @TempDir
    Path dir;

    @Test
    void cifar10StandInReadsBackThroughTheRealLoader() throws Exception {
        Path written = StandInData.write("cifar10", dir, 6, 2, 3);
        assertEquals("cifar-10-batches-bin", written.getFileName().toString());
        Dataset loaded = Cifar10.load(dir);
        Dataset made = SyntheticImages.generate(new ImageShape(3, 32, 32), 10, 60, 20, 3);
        assertEquals(60, loaded.train().size());
        assertEquals(20, loaded.test().size());
        assertArrayEquals(made.test().labels(), loaded.test().labels());
        // Pixels survive the byte encoding to within half a grey level.
        double maxDiff = made.test().images().sub(loaded.test().images()).amaxNumber().doubleValue();
        assertTrue(maxDiff <= 0.5 / 255 + 1e-6, "max pixel difference " + maxDiff);
        // Training images are dealt round-robin over the five batch files: every class is present in each.
        assertEquals(12 * 3073L, Files.size(written.resolve("data_batch_1.bin")));
    }

    @Test
    void cifar100StandInHasCoarseAndFineLabelBytes() throws Exception {
        Path written = StandInData.write("cifar100", dir, 1, 1, 0);
        byte[] train = Files.readAllBytes(written.resolve("train.bin"));
        assertEquals(100 * 3074, train.length);
        Dataset made = SyntheticImages.generate(new ImageShape(3, 32, 32), 100, 100, 100, 0);
        for (int i = 0; i < 100; i++) {
            assertEquals(made.train().labels()[i], train[i * 3074 + 1] & 0xff);
            assertEquals(made.train().labels()[i] / 5, train[i * 3074] & 0xff);
        }
    }

    @Test
    void unknownFormatIsRefusedNamingTheKnownOnes() {
        UserException e = assertThrows(UserException.class, () -> StandInData.write("imagenet", dir, 1, 1, 0));
        assertTrue(e.fix().contains("cifar10, cifar100"), e.fix());
    }
}
