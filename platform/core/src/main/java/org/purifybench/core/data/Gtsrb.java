package org.purifybench.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.purifybench.core.UserException;

/**
 * Reads GTSRB (43 traffic-sign classes): the official training set as the training set and the
 * official final test set as the test set, each image resized WHOLE to 32x32 with Pillow's bilinear
 * filter. This follows BackdoorBench (SCLBD/BackdoorBench utils/dataset/GTSRB.py reads each
 * class's GT-NNNNN.csv and GT-final_test.csv, takes the label from the ClassId column and does not
 * crop to the Roi.* box; utils/aggregate_block/dataset_and_transform_generate.py then applies
 * transforms.Resize((32, 32))). The difference: we resize once at load, BackdoorBench on every read;
 * the result is the same because Resize is deterministic and comes first in its pipeline.
 */
public final class Gtsrb {
    public static final int NUM_CLASSES = 43;
    public static final int SIDE = 32;
    static final String CACHE_FILE = "gtsrb-32x32-v1.bin";
    private static final String DECODER_VERSION = "gtsrb v1: P6 PPM, no ROI crop, Pillow bilinear resize to 32x32";
    /** Where the three archives put the training classes (torchvision's fixed zip, the original zip, BackdoorBench's layout). */
    static final List<String> TRAIN_DIRS = List.of("GTSRB/Training", "GTSRB/Final_Training/Images", "Train/Images");
    static final List<String> TEST_DIRS = List.of("GTSRB/Final_Test/Images", "Test/Images");
    static final List<String> TEST_CSVS = List.of("GT-final_test.csv", "Test/GT-final_test.csv");

    static final String FIX = DataCatalog.official().entry(Datasets.GTSRB).howToAdd();
    private static final String FIX_CORRUPT = "the file is damaged or not GTSRB: reinstall it with "
            + DataCatalog.official().entry(Datasets.GTSRB).addCommand();

    private Gtsrb() {
    }

    public static Dataset load(Path dir) {
        return load(dir, message -> System.err.println("warning: " + message));
    }

    /** Loads from {@code dir}, the folder the three archives were unpacked into; {@code warn} hears about a rebuilt cache. */
    public static Dataset load(Path dir, Consumer<String> warn) {
        return load(dir, warn, DataCatalog.official());
    }

    /** As {@link #load(Path, Consumer)}, checking against {@code catalog}. */
    static Dataset load(Path dir, Consumer<String> warn, DataCatalog catalog) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("GTSRB folder " + dir + " does not exist", FIX);
        }
        Path trainDir = first(dir, TRAIN_DIRS, "the training classes (" + String.join(" or ", TRAIN_DIRS) + ")/00000..00042");
        Path testDir = first(dir, TEST_DIRS, "the test images (" + String.join(" or ", TEST_DIRS) + ")");
        Path testCsv = first(dir, TEST_CSVS, "the test labels (" + String.join(" or ", TEST_CSVS) + ", from GTSRB_Final_Test_GT.zip)");
        try {
            List<Path> trainFiles = new ArrayList<>();
            List<Integer> trainLabels = new ArrayList<>();
            List<Path> sources = new ArrayList<>();
            for (int c = 0; c < NUM_CLASSES; c++) {
                String name = String.format("%05d", c);
                Path csv = trainDir.resolve(name).resolve("GT-" + name + ".csv");
                if (!Files.isRegularFile(csv)) {
                    throw new UserException("GTSRB file " + csv + " is missing", FIX);
                }
                sources.add(csv);
                readCsv(csv, trainDir.resolve(name), trainFiles, trainLabels);
            }
            List<Path> testFiles = new ArrayList<>();
            List<Integer> testLabels = new ArrayList<>();
            sources.add(testCsv);
            readCsv(testCsv, testDir, testFiles, testLabels);
            sources.addAll(trainFiles);
            sources.addAll(testFiles);
            String key = DecodedCache.fingerprint(DECODER_VERSION, dir, sources);
            DecodedCache.Result r = DecodedCache.load(dir, CACHE_FILE, key, () -> new DecodedCache.Decoded(
                    decode(trainFiles, trainLabels), decode(testFiles, testLabels), NUM_CLASSES,
                    FileVerifier.verify(dir, catalog.entry(Datasets.GTSRB).preferred(),
                            sources.stream().map(p -> dir.relativize(p).toString().replace('\\', '/')).toList(), dir)), warn);
            DecodedCache.Decoded d = r.decoded();
            return new Dataset(Datasets.GTSRB, d.train().toImages(NUM_CLASSES), d.test().toImages(NUM_CLASSES),
                    dir.toAbsolutePath().toString(), d.verification());
        } catch (IOException | UncheckedIOException e) {
            throw new UserException("cannot read GTSRB in " + dir + ": " + e.getMessage(), FIX_CORRUPT, e);
        }
    }

    private static Path first(Path dir, List<String> candidates, String what) {
        for (String c : candidates) {
            if (Files.exists(dir.resolve(c))) {
                return dir.resolve(c);
            }
        }
        throw new UserException("GTSRB in " + dir + " lacks " + what, FIX);
    }

    /** Appends the images and ClassId labels a GT CSV lists (';'-separated, with a header naming the columns). */
    private static void readCsv(Path csv, Path imageDir, List<Path> files, List<Integer> labels) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.ISO_8859_1);
        if (lines.isEmpty()) {
            throw new UserException("GTSRB file " + csv + " is empty", FIX_CORRUPT);
        }
        List<String> header = Arrays.stream(lines.get(0).split(";")).map(String::trim).toList();
        int fileCol = header.indexOf("Filename");
        int classCol = header.indexOf("ClassId");
        if (fileCol < 0 || classCol < 0) {
            throw new UserException("GTSRB file " + csv + " has no Filename and ClassId columns (header: " + lines.get(0) + ")",
                    csv.getFileName().toString().contains(".test.") ? "use GT-final_test.csv from GTSRB_Final_Test_GT.zip" : FIX_CORRUPT);
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cols = line.split(";");
            int label;
            try {
                label = Integer.parseInt(cols[classCol].trim());
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new UserException("GTSRB file " + csv + " has a line without a class id: " + line, FIX_CORRUPT);
            }
            if (label < 0 || label >= NUM_CLASSES) {
                throw new UserException("GTSRB file " + csv + " has class " + label + ", outside 0.." + (NUM_CLASSES - 1), FIX_CORRUPT);
            }
            files.add(imageDir.resolve(cols[fileCol].trim()));
            labels.add(label);
        }
    }

    private static DecodedCache.Split decode(List<Path> files, List<Integer> labels) {
        int px = 3 * SIDE * SIDE;
        byte[] pixels = new byte[files.size() * px];
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            try {
                Ppm.Image img = Ppm.read(files.get(i));
                byte[] planes = toPlanes(img);
                System.arraycopy(Resize.planes(planes, 3, img.height(), img.width(), SIDE, SIDE), 0, pixels, i * px, px);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return new DecodedCache.Split(files.size(), 3, SIDE, SIDE, pixels, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    static byte[] toPlanes(Ppm.Image img) {
        int n = img.width() * img.height();
        byte[] planes = new byte[3 * n];
        for (int i = 0; i < n; i++) {
            planes[i] = img.rgb()[3 * i];
            planes[n + i] = img.rgb()[3 * i + 1];
            planes[2 * n + i] = img.rgb()[3 * i + 2];
        }
        return planes;
    }
}
