package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

/** A tiny GTSRB in torchvision's layout: PPMs (P6) with GT CSVs, labels from ClassId, whole images resized to 32x32. */
class GtsrbTest {
    @TempDir
    Path dir;

    static final String HEADER = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId";

    /** A P6 image filled with one color, with a comment in its header as some writers add. */
    static byte[] ppm(int w, int h, int r, int g, int b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("P6\n# made by a test\n" + w + " " + h + "\n255\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < w * h; i++) {
            out.write(r);
            out.write(g);
            out.write(b);
        }
        return out.toByteArray();
    }

    /** One training image per class (class c: color (c, 2c, 255-c), 40x36) and two test images. */
    static void writeGtsrb(Path root, String trainDir) throws IOException {
        for (int c = 0; c < Gtsrb.NUM_CLASSES; c++) {
            String name = String.format("%05d", c);
            Path folder = Files.createDirectories(root.resolve(trainDir).resolve(name));
            Files.write(folder.resolve("00000_00000.ppm"), ppm(40, 36, c, 2 * c, 255 - c));
            // the ClassId column, not the folder, gives the label (they agree in the real data)
            Files.writeString(folder.resolve("GT-" + name + ".csv"), HEADER + "\n00000_00000.ppm;40;36;5;5;35;31;" + c + "\n");
        }
        Path test = Files.createDirectories(root.resolve("GTSRB/Final_Test/Images"));
        Files.write(test.resolve("00000.ppm"), ppm(20, 25, 10, 20, 30));
        Files.write(test.resolve("00001.ppm"), ppm(64, 50, 200, 100, 0));
        Files.writeString(root.resolve("GT-final_test.csv"), HEADER + "\n00000.ppm;20;25;5;5;15;20;16\n00001.ppm;64;50;5;5;60;45;1\n");
    }

    @Test
    void readsEveryClassAndResizesTheWholeImage() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        Dataset d = Gtsrb.load(dir, m -> { });
        assertArrayEquals(new long[] {43, 3, 32, 32}, d.train().images().shape());
        assertEquals(43, d.numClasses());
        assertEquals(42, d.train().labels()[42]);
        assertArrayEquals(new int[] {16, 1}, d.test().labels());
        // flat colors survive the resize exactly (Pillow's weights sum to one)
        assertEquals(42f / 255f, d.train().images().getFloat(42, 0, 0, 0), 1e-7);
        assertEquals(84f / 255f, d.train().images().getFloat(42, 1, 31, 31), 1e-7);
        assertEquals(213f / 255f, d.train().images().getFloat(42, 2, 16, 9), 1e-7);
        assertEquals(30f / 255f, d.test().images().getFloat(0, 2, 31, 0), 1e-7);
        assertFalse(d.verification().verified());
    }

    @Test
    void theOriginalTrainingZipsLayoutIsFoundToo() throws IOException {
        writeGtsrb(dir, "GTSRB/Final_Training/Images");
        assertEquals(43, Gtsrb.load(dir, m -> { }).train().size());
    }

    @Test
    void theResizeIsPillowsNotACrop() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        // left half black, right half white: a ROI crop or nearest-neighbour resize would give other bytes
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("P6 4 2 255\n".getBytes(StandardCharsets.US_ASCII));
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 4; x++) {
                int v = x < 2 ? 0 : 255;
                out.write(v);
                out.write(v);
                out.write(v);
            }
        }
        Files.write(dir.resolve("GTSRB/Final_Test/Images/00000.ppm"), out.toByteArray());
        Dataset d = Gtsrb.load(dir, m -> { });
        byte[] planes = Gtsrb.toPlanes(Ppm.read(dir.resolve("GTSRB/Final_Test/Images/00000.ppm")));
        byte[] expected = Resize.planes(planes, 3, 2, 4, 32, 32);
        for (int x = 0; x < 32; x++) {
            assertEquals((expected[x] & 0xff) / 255f, d.test().images().getFloat(0, 0, 0, x), 1e-7);
        }
        assertEquals(0f, d.test().images().getFloat(0, 0, 0, 0));
        assertEquals(1f, d.test().images().getFloat(0, 0, 0, 31));
    }

    @Test
    void secondLoadUsesTheCache() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        Gtsrb.load(dir, m -> { });
        Path cache = dir.resolve(DecodedCache.FOLDER).resolve(Gtsrb.CACHE_FILE);
        FileTime t = Files.getLastModifiedTime(cache);
        int decodes = DecodedCache.DECODES.get();
        Dataset again = Gtsrb.load(dir, m -> { throw new AssertionError(m); });
        assertEquals(decodes, DecodedCache.DECODES.get());
        assertEquals(t, Files.getLastModifiedTime(cache));
        assertEquals(43, again.train().size());
    }

    @Test
    void missingTestLabelsNameTheFileAndTheAddCommand() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        Files.delete(dir.resolve("GT-final_test.csv"));
        UserException e = assertThrows(UserException.class, () -> Gtsrb.load(dir, m -> { }));
        assertTrue(e.getMessage().contains("GT-final_test.csv"), e.getMessage());
        assertTrue(e.fix().contains("purifybench data add gtsrb") && e.fix().contains("GTSRB_Final_Test_GT.zip")
                && e.fix().contains("fe31e9c9270bbcd7b84b7f21a9d9d9e5"), e.fix());
    }

    @Test
    void aMissingClassCsvIsNamed() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        Files.delete(dir.resolve("GTSRB/Training/00007/GT-00007.csv"));
        UserException e = assertThrows(UserException.class, () -> Gtsrb.load(dir, m -> { }));
        assertTrue(e.getMessage().contains("GT-00007.csv"), e.getMessage());
    }

    @Test
    void aTruncatedPpmIsReported() throws IOException {
        writeGtsrb(dir, "GTSRB/Training");
        byte[] b = ppm(20, 25, 1, 2, 3);
        Files.write(dir.resolve("GTSRB/Final_Test/Images/00000.ppm"), java.util.Arrays.copyOf(b, b.length - 10));
        UserException e = assertThrows(UserException.class, () -> Gtsrb.load(dir, m -> { }));
        assertTrue(e.getMessage().contains("00000.ppm") && e.getMessage().contains("truncated"), e.getMessage());
    }
}
