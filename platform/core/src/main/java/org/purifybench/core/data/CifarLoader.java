package org.purifybench.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.purifybench.core.UserException;
import org.purifybench.spi.LabeledImages;

/**
 * What CIFAR-10 and CIFAR-100 loading share: find the binary or python version in a folder (or the
 * subfolder its archive unpacks to), read it, and check it against the catalog. The two loaders
 * differ only in the {@link Spec}.
 */
final class CifarLoader {
    /**
     * @param labelBytes label bytes before each binary record
     * @param labelAt    which of them is the label (CIFAR-100: 1, the fine label)
     * @param pyLabelKey the python dict key of the labels
     */
    record Spec(String id, String title, String binFolder, List<String> trainBin, String testBin, String pyFolder, List<String> trainPy,
                String testPy, int labelBytes, int labelAt, String pyLabelKey, int numClasses) {
    }

    private CifarLoader() {
    }

    static Dataset load(Spec spec, Path dir, DataCatalog catalog, String fix, String fixCorrupt) {
        if (!Files.isDirectory(dir)) {
            throw new UserException(spec.title() + " folder " + dir + " does not exist", fix);
        }
        DataCatalog.Entry entry = catalog.entry(spec.id());
        // a catalog without one of the versions (a test's) leaves files of that version unverified
        DataCatalog.Variant binary = entry.variant("binary").orElse(null);
        DataCatalog.Variant python = entry.variant("python").orElse(null);
        List<String> binFiles = concat(spec.trainBin(), spec.testBin());
        List<String> pyFiles = concat(spec.trainPy(), spec.testPy());
        for (Path candidate : List.of(dir, dir.resolve(spec.binFolder()))) {
            if (missing(candidate, binFiles).isEmpty()) {
                LabeledImages train = CifarRecords.readBinary(spec.title(), paths(candidate, spec.trainBin()), spec.labelBytes(),
                        spec.labelAt(), spec.numClasses(), fixCorrupt);
                LabeledImages test = CifarRecords.readBinary(spec.title(), paths(candidate, List.of(spec.testBin())), spec.labelBytes(),
                        spec.labelAt(), spec.numClasses(), fixCorrupt);
                DataVerification v = FileVerifier.verify(dir, binary, binFiles, candidate);
                return new Dataset(spec.id(), train, test, candidate.toAbsolutePath().toString(), v);
            }
        }
        for (Path candidate : List.of(dir, dir.resolve(spec.pyFolder()))) {
            if (missing(candidate, pyFiles).isEmpty()) {
                LabeledImages train = CifarRecords.fromPickles(spec.title(), pickles(spec, candidate, spec.trainPy(), fixCorrupt),
                        spec.numClasses(), fixCorrupt);
                LabeledImages test = CifarRecords.fromPickles(spec.title(), pickles(spec, candidate, List.of(spec.testPy()), fixCorrupt),
                        spec.numClasses(), fixCorrupt);
                DataVerification v = FileVerifier.verify(dir, python, pyFiles, candidate);
                return new Dataset(spec.id(), train, test, candidate.toAbsolutePath().toString(), v);
            }
        }
        // Report against whichever folder looks like the intended one, so the list of missing files is short.
        Path nestedPy = dir.resolve(spec.pyFolder());
        Path nestedBin = dir.resolve(spec.binFolder());
        Path intended = Files.isDirectory(nestedPy) && !Files.isDirectory(nestedBin) ? nestedPy : Files.isDirectory(nestedBin) ? nestedBin : dir;
        List<String> expected = intended == nestedPy ? pyFiles : binFiles;
        throw new UserException(spec.title() + " files missing in " + intended + ": " + String.join(", ", missing(intended, expected)), fix);
    }

    private static List<CifarPickle.Batch> pickles(Spec spec, Path folder, List<String> names, String fixCorrupt) {
        List<CifarPickle.Batch> batches = new ArrayList<>();
        for (String name : names) {
            batches.add(CifarPickle.read(folder.resolve(name), spec.pyLabelKey(), fixCorrupt));
        }
        return batches;
    }

    private static List<String> concat(List<String> train, String test) {
        List<String> all = new ArrayList<>(train);
        all.add(test);
        return all;
    }

    private static List<Path> paths(Path folder, List<String> names) {
        return names.stream().map(folder::resolve).toList();
    }

    private static List<String> missing(Path dir, List<String> names) {
        return names.stream().filter(n -> !Files.isRegularFile(dir.resolve(n))).toList();
    }
}
