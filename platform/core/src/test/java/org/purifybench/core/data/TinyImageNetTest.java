package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.purifybench.core.UserException;

/** A tiny Tiny-ImageNet folder with real JPEGs (written by ImageIO), its labels, and the decoded cache. */
class TinyImageNetTest {
    /** wnids.txt order on purpose not sorted: class i is line i, as BackdoorBench reads it. */
    static final List<String> WNIDS = List.of("n02", "n01", "n03");

    @TempDir
    Path dir;

    /** A flat-colored 64x64 image per (class, index); one grayscale image (class n01, index 1). */
    static void writeTiny(Path base) throws IOException {
        Files.createDirectories(base);
        Files.write(base.resolve("wnids.txt"), WNIDS);
        for (int c = 0; c < WNIDS.size(); c++) {
            String w = WNIDS.get(c);
            Path images = Files.createDirectories(base.resolve("train").resolve(w).resolve("images"));
            for (int i = 0; i < 2; i++) {
                boolean gray = w.equals("n01") && i == 1;
                jpeg(images.resolve(w + "_" + i + ".JPEG"), gray ? gray(120) : rgb(40 * c + 20, 10 + 100 * i, 200 - 50 * c));
            }
            Files.writeString(base.resolve("train").resolve(w).resolve(w + "_boxes.txt"), "");
        }
        Path val = Files.createDirectories(base.resolve("val").resolve("images"));
        jpeg(val.resolve("val_0.JPEG"), rgb(250, 0, 0));
        jpeg(val.resolve("val_1.JPEG"), rgb(0, 250, 0));
        Files.writeString(base.resolve("val").resolve("val_annotations.txt"), "val_0.JPEG\tn03\t0\t0\t63\t63\nval_1.JPEG\tn02\t1\t2\t3\t4\n");
    }

    static BufferedImage rgb(int r, int g, int b) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static BufferedImage gray(int v) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        return img;
    }

    static void jpeg(Path file, BufferedImage img) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1.0f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
    }

    private static float px(Dataset d, boolean train, int n, int c) {
        return (train ? d.train() : d.test()).images().getFloat(n, c, 31, 17) * 255f;
    }

    @Test
    void readsImagesAndLabelsInWnidsOrder() throws IOException {
        writeTiny(dir.resolve("tiny-imagenet-200"));
        Dataset d = TinyImageNet.load(dir, m -> { });
        assertArrayEquals(new long[] {6, 3, 64, 64}, d.train().images().shape());
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, d.train().labels());
        assertEquals(3, d.numClasses());
        assertArrayEquals(new int[] {2, 0}, d.test().labels());
        // class n03 (line 2) index 1: rgb(100, 110, 100); JPEG at quality 1.0 keeps flat colors within a few levels
        assertEquals(100, px(d, true, 5, 0), 3);
        assertEquals(110, px(d, true, 5, 1), 3);
        assertEquals(100, px(d, true, 5, 2), 3);
        assertEquals(250, px(d, false, 0, 0), 3);
        assertEquals(0, px(d, false, 0, 1), 3);
    }

    @Test
    void grayscaleJpegsBecomeRgbWithEqualChannels() throws IOException {
        writeTiny(dir);
        Dataset d = TinyImageNet.load(dir, m -> { });
        // n01 is line 1: rows 2 and 3; row 3 is the gray one
        assertEquals(120, px(d, true, 3, 0), 2);
        assertEquals(px(d, true, 3, 0), px(d, true, 3, 1));
        assertEquals(px(d, true, 3, 0), px(d, true, 3, 2));
    }

    @Test
    void secondLoadReadsTheCacheWithoutDecoding() throws IOException {
        writeTiny(dir);
        Dataset first = TinyImageNet.load(dir, m -> { });
        Path cache = dir.resolve(DecodedCache.FOLDER).resolve(TinyImageNet.CACHE_FILE);
        assertTrue(Files.isRegularFile(cache));
        FileTime written = Files.getLastModifiedTime(cache);
        int decodes = DecodedCache.DECODES.get();
        List<String> warnings = new ArrayList<>();
        Dataset second = TinyImageNet.load(dir, warnings::add);
        assertEquals(decodes, DecodedCache.DECODES.get(), "a cache hit decodes nothing");
        assertEquals(written, Files.getLastModifiedTime(cache), "the cache file is reused, not rewritten");
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertEquals(first.train().images(), second.train().images());
        assertArrayEquals(first.test().labels(), second.test().labels());
        assertEquals(first.verification(), second.verification());
    }

    @Test
    void aCorruptCacheIsReportedAndRebuilt() throws IOException {
        writeTiny(dir);
        Dataset first = TinyImageNet.load(dir, m -> { });
        Path cache = dir.resolve(DecodedCache.FOLDER).resolve(TinyImageNet.CACHE_FILE);
        byte[] b = Files.readAllBytes(cache);
        b[b.length / 2] ^= 0x5a;
        Files.write(cache, b);
        int decodes = DecodedCache.DECODES.get();
        List<String> warnings = new ArrayList<>();
        Dataset second = TinyImageNet.load(dir, warnings::add);
        assertEquals(decodes + 1, DecodedCache.DECODES.get());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("corrupt") && warnings.get(0).contains("rebuilding"), warnings.get(0));
        assertEquals(first.train().images(), second.train().images());
        // and the rebuilt file is good again
        TinyImageNet.load(dir, m -> { throw new AssertionError(m); });
        assertEquals(decodes + 1, DecodedCache.DECODES.get());
    }

    @Test
    void aTruncatedCacheIsRebuilt() throws IOException {
        writeTiny(dir);
        TinyImageNet.load(dir, m -> { });
        Path cache = dir.resolve(DecodedCache.FOLDER).resolve(TinyImageNet.CACHE_FILE);
        byte[] b = Files.readAllBytes(cache);
        Files.write(cache, java.util.Arrays.copyOf(b, 100));
        List<String> warnings = new ArrayList<>();
        TinyImageNet.load(dir, warnings::add);
        assertTrue(warnings.size() == 1 && warnings.get(0).contains("rebuilding"), warnings.toString());
    }

    @Test
    void changedSourceFilesMakeTheCacheStale() throws IOException {
        writeTiny(dir);
        TinyImageNet.load(dir, m -> { });
        Path img = dir.resolve("val/images/val_0.JPEG");
        jpeg(img, rgb(0, 0, 250));
        Files.setLastModifiedTime(img, FileTime.fromMillis(Files.getLastModifiedTime(img).toMillis() + 5000));
        List<String> warnings = new ArrayList<>();
        Dataset d = TinyImageNet.load(dir, warnings::add);
        assertTrue(warnings.size() == 1 && warnings.get(0).contains("changed"), warnings.toString());
        assertEquals(250, px(d, false, 0, 2), 3);
    }

    @Test
    void anUnwritableCacheFolderOnlyWarns() throws IOException {
        writeTiny(dir);
        Files.writeString(dir.resolve(DecodedCache.FOLDER), "a file where the cache folder would go");
        List<String> warnings = new ArrayList<>();
        Dataset d = TinyImageNet.load(dir, warnings::add);
        assertEquals(6, d.train().size());
        assertTrue(warnings.size() == 1 && warnings.get(0).contains("cannot write"), warnings.toString());
    }

    @Test
    void generatedFilesAreUnverified() throws IOException {
        writeTiny(dir);
        DataVerification v = TinyImageNet.load(dir, m -> { }).verification();
        assertFalse(v.verified());
        assertTrue(v.summary().startsWith("UNVERIFIED"), v.summary());
    }

    @Test
    void missingFilesAreNamedWithTheAddCommand() throws IOException {
        writeTiny(dir);
        Files.delete(dir.resolve("val/val_annotations.txt"));
        UserException e = assertThrows(UserException.class, () -> TinyImageNet.load(dir, m -> { }));
        assertTrue(e.getMessage().contains("val_annotations.txt"), e.getMessage());
        assertTrue(e.fix().contains("purifybench data add tiny-imagenet http://cs231n.stanford.edu/tiny-imagenet-200.zip")
                && e.fix().contains("90528d7ca1a48142e341f4ef8d21d0de"), e.fix());
    }

    @Test
    void aWrongSizedImageIsReported() throws IOException {
        writeTiny(dir);
        ImageIO.write(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB), "jpeg", dir.resolve("train/n02/images/n02_0.JPEG").toFile());
        UserException e = assertThrows(UserException.class, () -> TinyImageNet.load(dir, m -> { }));
        assertTrue(e.getMessage().contains("n02_0.JPEG") && e.getMessage().contains("10x10"), e.getMessage());
    }
}
