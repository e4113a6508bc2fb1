package org.purifybench.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.purifybench.core.UserException;

/**
 * Reads Tiny-ImageNet-200 (64x64 RGB): the 100,000 training JPEGs as the training set and the
 * 10,000 labelled validation JPEGs as the test set, since the official test split has no labels.
 * Class i is the i-th line of wnids.txt (file order, not sorted), as BackdoorBench
 * (SCLBD/BackdoorBench utils/dataset/Tiny.py) and ContinualAI/avalanche do, so that a target label
 * means the same class as in their papers. Decoding is slow, so the pixels are cached ({@link DecodedCache}).
 */
public final class TinyImageNet {
    public static final int SIDE = 64;
    static final String FOLDER = "tiny-imagenet-200";
    static final String WNIDS = "wnids.txt";
    static final String VAL_ANNOTATIONS = "val/val_annotations.txt";
    static final String CACHE_FILE = "tiny-imagenet-64-v1.bin";
    private static final String DECODER_VERSION = "tiny-imagenet v1: ImageIO JPEG, gray copied to RGB, wnids.txt line order";

    static final String FIX = DataCatalog.official().entry(Datasets.TINY_IMAGENET).howToAdd()
            + " (the folder holding wnids.txt, train/ and val/, or its parent)";
    private static final String FIX_CORRUPT = "the file is damaged or not Tiny-ImageNet-200: reinstall it with "
            + DataCatalog.official().entry(Datasets.TINY_IMAGENET).addCommand();

    private TinyImageNet() {
    }

    public static Dataset load(Path dir) {
        return load(dir, message -> System.err.println("warning: " + message));
    }

    /** Loads from {@code dir} or {@code dir/tiny-imagenet-200}; {@code warn} hears about a rebuilt cache. */
    public static Dataset load(Path dir, Consumer<String> warn) {
        return load(dir, warn, DataCatalog.official());
    }

    /** As {@link #load(Path, Consumer)}, checking against {@code catalog}. */
    static Dataset load(Path dir, Consumer<String> warn, DataCatalog catalog) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("Tiny-ImageNet folder " + dir + " does not exist", FIX);
        }
        Path base = Files.isRegularFile(dir.resolve(WNIDS)) ? dir : dir.resolve(FOLDER);
        for (String needed : List.of(WNIDS, VAL_ANNOTATIONS, "train", "val/images")) {
            if (!Files.exists(base.resolve(needed))) {
                throw new UserException("Tiny-ImageNet file " + base.resolve(needed) + " is missing (expected " + WNIDS + ", train/<wnid>/images/*.JPEG, "
                        + VAL_ANNOTATIONS + " and val/images/*.JPEG)", FIX);
            }
        }
        try {
            Map<String, Integer> classes = classes(base);
            List<Path> trainFiles = new ArrayList<>();
            List<Integer> trainLabels = new ArrayList<>();
            for (Map.Entry<String, Integer> c : classes.entrySet()) {
                for (Path f : jpegs(base.resolve("train").resolve(c.getKey()).resolve("images"))) {
                    trainFiles.add(f);
                    trainLabels.add(c.getValue());
                }
            }
            List<Path> testFiles = new ArrayList<>();
            List<Integer> testLabels = new ArrayList<>();
            for (String line : Files.readAllLines(base.resolve(VAL_ANNOTATIONS))) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cols = line.split("\t");
                Integer label = cols.length < 2 ? null : classes.get(cols[1].trim());
                if (label == null) {
                    throw new UserException(base.resolve(VAL_ANNOTATIONS) + " has a line whose class is not in " + WNIDS + ": " + line,
                            FIX_CORRUPT);
                }
                testFiles.add(base.resolve("val/images").resolve(cols[0].trim()));
                testLabels.add(label);
            }
            List<Path> sources = new ArrayList<>(List.of(base.resolve(WNIDS), base.resolve(VAL_ANNOTATIONS)));
            sources.addAll(trainFiles);
            sources.addAll(testFiles);
            String key = DecodedCache.fingerprint(DECODER_VERSION, base, sources);
            int numClasses = classes.size();
            DecodedCache.Result r = DecodedCache.load(base, CACHE_FILE, key, () -> new DecodedCache.Decoded(
                    decode(trainFiles, trainLabels), decode(testFiles, testLabels), numClasses,
                    FileVerifier.verify(dir, catalog.entry(Datasets.TINY_IMAGENET).preferred(),
                            sources.stream().map(p -> base.relativize(p).toString().replace('\\', '/')).toList(), base)), warn);
            DecodedCache.Decoded d = r.decoded();
            return new Dataset(Datasets.TINY_IMAGENET, d.train().toImages(d.numClasses()), d.test().toImages(d.numClasses()),
                    base.toAbsolutePath().toString(), d.verification());
        } catch (IOException | UncheckedIOException e) {
            throw new UserException("cannot read Tiny-ImageNet in " + base + ": " + e.getMessage(), FIX_CORRUPT, e);
        }
    }

    /** wnid -> class index, in wnids.txt line order. */
    private static Map<String, Integer> classes(Path base) throws IOException {
        Map<String, Integer> classes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(base.resolve(WNIDS))) {
            String wnid = line.trim();
            if (!wnid.isEmpty() && !classes.containsKey(wnid)) {
                classes.put(wnid, classes.size());
            }
        }
        if (classes.isEmpty()) {
            throw new UserException(base.resolve(WNIDS) + " lists no classes", FIX_CORRUPT);
        }
        return classes;
    }

    /** A class's JPEGs in BackdoorBench's order: {@code <wnid>_0.JPEG, <wnid>_1.JPEG, ...} (numeric, not lexicographic). */
    private static List<Path> jpegs(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new UserException("Tiny-ImageNet folder " + folder + " is missing", FIX_CORRUPT);
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".JPEG"))
                    .sorted(Comparator.comparingLong(TinyImageNet::number).thenComparing(p -> p.getFileName().toString())).toList();
        }
    }

    private static long number(Path p) {
        String name = p.getFileName().toString();
        int us = name.lastIndexOf('_');
        int dot = name.lastIndexOf('.');
        try {
            return us >= 0 && dot > us ? Long.parseLong(name.substring(us + 1, dot)) : Long.MAX_VALUE;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static DecodedCache.Split decode(List<Path> files, List<Integer> labels) {
        int px = 3 * SIDE * SIDE;
        byte[] pixels = new byte[files.size() * px];
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            try {
                System.arraycopy(Jpeg.rgbPlanes(files.get(i), SIDE, SIDE), 0, pixels, i * px, px);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return new DecodedCache.Split(files.size(), 3, SIDE, SIDE, pixels, labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
