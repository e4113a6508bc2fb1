package org.purifybench.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether the files a loader read are the published ones: against published per-file
 * md5s where they exist (CIFAR python batches), else against the manifest {@code data add} wrote
 * after checking the archive against its published checksum. Anything else is UNVERIFIED, which
 * loading still allows (tests and reduced runs use generated files).
 */
final class FileVerifier {
    private FileVerifier() {
    }

    /**
     * @param root    the dataset folder ({@code <data-dir>/<id>}, or the configured path): where a manifest is looked for
     * @param variant the catalog variant these files belong to, or null if the catalog does not know the dataset
     * @param files   the files read, by their path relative to the variant folder ({@code variant.folder()})
     * @param base    the folder the relative paths are resolved against
     */
    static DataVerification verify(Path root, DataCatalog.Variant variant, List<String> files, Path base) {
        if (variant == null) {
            return DataVerification.unverified("no catalog entry to check against");
        }
        try {
            if (!variant.fileMd5().isEmpty()) {
                return againstPublished(variant, files, base);
            }
            return againstManifest(root, variant, files, base);
        } catch (IOException e) {
            return DataVerification.unverified("could not read the files to check them: " + e.getMessage());
        }
    }

    private static DataVerification againstPublished(DataCatalog.Variant variant, List<String> files, Path base) throws IOException {
        for (String name : files) {
            String expected = variant.fileMd5().get(name);
            if (expected == null) {
                return DataVerification.unverified(name + " has no published md5 (" + variant.fileMd5Source() + ")");
            }
            String actual = Checksums.md5(base.resolve(name));
            if (!expected.equalsIgnoreCase(actual)) {
                return DataVerification.unverified("files do not match the published checksums (generated or modified data): md5 of "
                        + name + " is " + actual + ", " + variant.fileMd5Source() + " publishes " + expected);
            }
        }
        return DataVerification.verified("md5 of " + String.join(", ", files) + " match the values published in " + variant.fileMd5Source());
    }

    private static DataVerification againstManifest(Path root, DataCatalog.Variant variant, List<String> files, Path base) throws IOException {
        Optional<DataManifest> found = findManifest(root, base);
        if (found.isEmpty()) {
            return DataVerification.unverified("nobody publishes checksums of the unpacked files and there is no "
                    + DataManifest.FILE_NAME + " from `purifybench data add` beside them");
        }
        DataManifest manifest = found.get();
        List<String> vouched = new ArrayList<>();
        for (DataManifest.ArchiveRecord record : manifest.archives()) {
            boolean published = variant.archives().stream().anyMatch(a -> a.md5().equalsIgnoreCase(record.md5())
                    && (a.sha256() == null || a.sha256().equalsIgnoreCase(record.sha256())));
            if (!published) {
                return DataVerification.unverified("the manifest's archive " + record.name() + " (md5 " + record.md5()
                        + ") is not one the catalog publishes for " + manifest.dataset());
            }
            vouched.add(record.name() + " (md5 " + record.md5() + ")");
        }
        Path manifestDir = manifestFolder(root, base);
        String prefix = relativePrefix(manifestDir, base);
        Map<String, String> md5s = manifest.files();
        for (String name : files) {
            String key = prefix + name.replace('\\', '/');
            String expected = md5s.get(key);
            if (expected == null) {
                return DataVerification.unverified(key + " is not listed in the manifest of the verified archive");
            }
            String actual = Checksums.md5(base.resolve(name));
            if (!expected.equalsIgnoreCase(actual)) {
                return DataVerification.unverified("files were modified after `data add`: md5 of " + key + " is " + actual
                        + ", the verified archive held " + expected);
            }
        }
        return DataVerification.verified("archive " + String.join(", ", vouched) + " matched the published checksum ("
                + variant.archives().get(0).source() + ") when added " + manifest.addedAt() + "; the " + files.size()
                + " files read are unchanged since");
    }

    /** The manifest sits in the dataset folder, which is {@code root} or a parent of {@code base}. */
    private static Optional<DataManifest> findManifest(Path root, Path base) {
        Path dir = manifestFolder(root, base);
        return dir == null ? Optional.empty() : DataManifest.read(dir);
    }

    private static Path manifestFolder(Path root, Path base) {
        for (Path p = base.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (java.nio.file.Files.isRegularFile(p.resolve(DataManifest.FILE_NAME))) {
                return p;
            }
            if (p.equals(root.toAbsolutePath().normalize())) {
                break;
            }
        }
        return null;
    }

    private static String relativePrefix(Path manifestDir, Path base) {
        Path rel = manifestDir.toAbsolutePath().normalize().relativize(base.toAbsolutePath().normalize());
        String s = rel.toString().replace('\\', '/');
        return s.isEmpty() ? "" : s + "/";
    }
}
